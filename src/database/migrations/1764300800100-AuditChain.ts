import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tamper evidence for the audit log (docs/audit.md): every entry stores the hash of the entry
 * before it in its org (`prev_hash`) and its own (`hash`); the counter row keeps the org's last
 * hash so the writer needs no extra read. Retention cuts leave a signed checkpoint. A trigger
 * refuses UPDATE and DELETE except from the retention job (which sets `agentcy.audit_retention`
 * for its transaction) and the cascade of an org deletion. Rows written before this migration
 * keep NULL hashes: they form an unchained prefix the verifier counts but cannot vouch for.
 */
export class AuditChain1764300800100 implements MigrationInterface {
  name = 'AuditChain1764300800100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log ADD COLUMN prev_hash varchar(64), ADD COLUMN hash varchar(64)`);
    await q.query(`ALTER TABLE audit_seq ADD COLUMN last_hash varchar(64)`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_key uuid NOT NULL,
        org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        hash varchar(64) NOT NULL,
        cut_at timestamptz(3) NOT NULL,
        signature varchar(64) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX audit_checkpoints_org_seq_uq ON audit_checkpoints (org_key, seq)`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF current_setting('agentcy.audit_retention', true) = 'on' THEN
          IF TG_OP = 'UPDATE' THEN
            RETURN NEW;
          END IF;
          RETURN OLD;
        END IF;
        IF TG_OP = 'DELETE' AND OLD.org_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM organizations WHERE id = OLD.org_id) THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER audit_log_append_only ON audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`ALTER TABLE audit_seq DROP COLUMN last_hash`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN hash, DROP COLUMN prev_hash`);
  }
}
