import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Back to the spec's per-org counter row (policies.md "Audit log"): `seq` is allocated in the
 * same statement as the insert, so it is gap-free within an org and commit order equals seq
 * order, which `Last-Event-ID` resumption relies on. Rows written under the shared sequence
 * keep their numbers; each org's counter continues from its highest one.
 */
export class AuditSeqPerOrg1764300600000 implements MigrationInterface {
  name = 'AuditSeqPerOrg1764300600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit_seq (org_key uuid PRIMARY KEY, seq bigint NOT NULL)`);
    await q.query(
      `INSERT INTO audit_seq SELECT coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), max(seq) FROM audit_log GROUP BY 1`,
    );
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT`);
    await q.query(`DROP SEQUENCE audit_log_seq_seq`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq`);
    await q.query(`SELECT setval('audit_log_seq_seq', greatest((SELECT coalesce(max(seq), 0) FROM audit_log), 1))`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq_seq')`);
    await q.query(`DROP TABLE audit_seq`);
  }
}
