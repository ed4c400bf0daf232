import { MigrationInterface, QueryRunner } from 'typeorm';

/** Identity area: API keys, invites, org plan, audit read indexes. */
export class Identity1764300100000 implements MigrationInterface {
  name = 'Identity1764300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN plan varchar(20) NOT NULL DEFAULT 'free'`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(255) NOT NULL,
        key_hash char(64) NOT NULL,
        key_fingerprint varchar(32) NOT NULL,
        role varchar(20) NOT NULL,
        expires_at timestamptz(3),
        allowed_ips text[] NOT NULL DEFAULT '{}',
        notes text,
        created_by uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        last_used_at timestamptz(3),
        revoked_at timestamptz(3),
        rotated_to uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT api_keys_role_ck CHECK (role IN ('owner','admin','member','viewer'))
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_hash_uq ON api_keys (key_hash)`);
    // unique among live keys: a revoked key's name can be reused
    await q.query(
      `CREATE UNIQUE INDEX api_keys_org_name_uq ON api_keys (org_id, lower(name)) WHERE revoked_at IS NULL`,
    );
    await q.query(`CREATE INDEX api_keys_org_created_idx ON api_keys (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE invites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email varchar(255) NOT NULL,
        role varchar(20) NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        accepted_at timestamptz(3),
        accepted_by uuid REFERENCES users(id) ON DELETE SET NULL,
        revoked_at timestamptz(3),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT invites_role_ck CHECK (role IN ('owner','admin','member','viewer'))
      )`);
    await q.query(`CREATE UNIQUE INDEX invites_token_uq ON invites (token_hash)`);
    await q.query(`CREATE INDEX invites_org_created_idx ON invites (org_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_org_action_idx ON audit_log (org_id, action)`);
    await q.query(`CREATE INDEX audit_log_org_actor_idx ON audit_log (org_id, actor_user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_log_org_actor_idx`);
    await q.query(`DROP INDEX audit_log_org_action_idx`);
    await q.query(`DROP TABLE invites`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`ALTER TABLE organizations DROP COLUMN plan`);
  }
}
