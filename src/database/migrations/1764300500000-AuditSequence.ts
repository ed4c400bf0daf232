import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit sequence numbers come from one PostgreSQL sequence instead of a per-org counter row:
 * still strictly increasing within every org, but concurrent writers no longer queue on a
 * row lock (numbers within one org may have gaps).
 */
export class AuditSequence1764300500000 implements MigrationInterface {
  name = 'AuditSequence1764300500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq`);
    await q.query(`SELECT setval('audit_log_seq_seq', greatest((SELECT coalesce(max(seq), 0) FROM audit_log), 1))`);
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq_seq')`);
    await q.query(`DROP TABLE audit_seq`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit_seq (org_key uuid PRIMARY KEY, seq bigint NOT NULL)`);
    await q.query(
      `INSERT INTO audit_seq SELECT coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), max(seq) FROM audit_log GROUP BY 1`,
    );
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT`);
    await q.query(`DROP SEQUENCE audit_log_seq_seq`);
  }
}
