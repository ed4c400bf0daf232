import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditLog1764300000100 implements MigrationInterface {
  name = 'AuditLog1764300000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        ts timestamptz(3) NOT NULL DEFAULT now(),
        category varchar(50) NOT NULL,
        action varchar(200) NOT NULL,
        result varchar(20) NOT NULL,
        actor_user_id uuid,
        actor_api_key_id uuid,
        actor_email varchar(255),
        target jsonb,
        ip varchar(64),
        request_id varchar(128),
        details jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // seq is per org (install-level entries use org_id NULL and their own sequence)
    await q.query(
      `CREATE UNIQUE INDEX audit_log_org_seq_uq ON audit_log (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), seq)`,
    );
    await q.query(`CREATE INDEX audit_log_org_created_idx ON audit_log (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE audit_seq (
        org_key uuid PRIMARY KEY,
        seq bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_seq`);
    await q.query(`DROP TABLE audit_log`);
  }
}
