import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API-key creation handles Idempotency-Key itself (the generic interceptor would store the
 * one-time secret in idempotency_keys): the hashed key is kept on the row for 24 h semantics.
 */
export class ApiKeyIdempotency1764300100100 implements MigrationInterface {
  name = 'ApiKeyIdempotency1764300100100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN idempotency_hash char(64)`);
    await q.query(
      `CREATE UNIQUE INDEX api_keys_idempotency_uq ON api_keys (org_id, idempotency_hash) WHERE idempotency_hash IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_keys_idempotency_uq`);
    await q.query(`ALTER TABLE api_keys DROP COLUMN idempotency_hash`);
  }
}
