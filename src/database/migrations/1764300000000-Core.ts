import { MigrationInterface, QueryRunner } from 'typeorm';

export class Core1764300000000 implements MigrationInterface {
  name = 'Core1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(255) NOT NULL,
        display_name varchar(255) NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        disabled_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX organizations_name_uq ON organizations (lower(name))`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email varchar(255) NOT NULL,
        name varchar(255),
        role varchar(20) NOT NULL DEFAULT 'member',
        roles text[] NOT NULL DEFAULT '{}',
        permissions text[] NOT NULL DEFAULT '{}',
        password_hash varchar(255),
        auth_provider varchar(50) NOT NULL DEFAULT 'local',
        issuer varchar(512),
        external_id varchar(255),
        email_verified boolean NOT NULL DEFAULT false,
        disabled_at timestamptz(3),
        last_login_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT users_role_ck CHECK (role IN ('owner','admin','member','viewer'))
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_uq ON users (lower(email))`);
    await q.query(`CREATE UNIQUE INDEX users_external_uq ON users (issuer, external_id) WHERE external_id IS NOT NULL`);
    await q.query(`CREATE INDEX users_org_idx ON users (organization_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope_hash text PRIMARY KEY,
        key text NOT NULL,
        principal text NOT NULL,
        route text NOT NULL,
        body_hash text NOT NULL,
        state text NOT NULL,
        status_code int,
        response jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE organizations`);
  }
}
