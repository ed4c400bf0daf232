import { MigrationInterface, QueryRunner } from 'typeorm';

/** Registered agents (`/agents`); the `default` agent of each org is created lazily. */
export class Agents1764300400100 implements MigrationInterface {
  name = 'Agents1764300400100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        description text NOT NULL DEFAULT '',
        system_prompt text,
        model varchar(200),
        realm varchar(100),
        skills text[] NOT NULL DEFAULT '{}',
        allowed_connectors text[],
        approval_overrides jsonb,
        max_iterations integer NOT NULL DEFAULT 20,
        builtin boolean NOT NULL DEFAULT false,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT agents_max_iterations_ck CHECK (max_iterations BETWEEN 1 AND 200)
      )`);
    await q.query(`CREATE UNIQUE INDEX agents_org_name_uq ON agents (org_id, lower(name))`);
    await q.query(`CREATE INDEX agents_org_created_idx ON agents (org_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS agents`);
  }
}
