import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions that end and platform power held by the user id (issue 8):
 * - `users.token_version`: the `tv` claim of local tokens must equal it; bumping it ends every
 *   session issued before (password change/reset, disable, demotion);
 * - `api_keys.scopes`: a key carries platform power only with the `platform` scope;
 * - the seeded admin (`admin@localhost`, seeded with a verified email, which self-registration
 *   never sets) keeps platform power through the `platform:admin` permission now that
 *   PLATFORM_ADMIN_EMAILS is gone. `down` leaves that permission (the older build honours it too).
 */
export class SessionsPlatformScope17643001900000 implements MigrationInterface {
  name = 'SessionsPlatformScope17643001900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_ck CHECK (scopes <@ ARRAY['platform']::text[])`);
    await q.query(`
      UPDATE users SET permissions = array_append(permissions, 'platform:admin')
      WHERE lower(email) = 'admin@localhost' AND email_verified AND auth_provider = 'local'
        AND NOT ('platform:admin' = ANY(permissions))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_ck`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN scopes`);
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
