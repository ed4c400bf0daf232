import { MigrationInterface, QueryRunner } from 'typeorm';

/** Soft-deleted orgs (purged after ORG_PURGE_AFTER_DAYS) and one-time password reset tokens. */
export class OrgDeletionPasswordResets1764300100200 implements MigrationInterface {
  name = 'OrgDeletionPasswordResets1764300100200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN deleted_at timestamptz(3)`);
    await q.query(`CREATE INDEX organizations_deleted_idx ON organizations (deleted_at) WHERE deleted_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE password_resets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        created_by uuid,
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX password_resets_token_uq ON password_resets (token_hash)`);
    await q.query(`CREATE INDEX password_resets_user_idx ON password_resets (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE password_resets`);
    await q.query(`DROP INDEX organizations_deleted_idx`);
    await q.query(`ALTER TABLE organizations DROP COLUMN deleted_at`);
  }
}
