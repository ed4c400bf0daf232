import { MigrationInterface, QueryRunner } from 'typeorm';

/** Org policies (Cedar source) and their versions (docs/policies.md). */
export class Policies1764300800000 implements MigrationInterface {
  name = 'Policies1764300800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE policies (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        description text,
        source text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        builtin boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX policies_org_name_idx ON policies (org_id, name)`);
    await q.query(`CREATE INDEX policies_org_created_idx ON policies (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE policy_versions (
        id varchar(40) PRIMARY KEY,
        policy_id varchar(40) NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        version integer NOT NULL,
        description text,
        source text NOT NULL,
        enabled boolean NOT NULL,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX policy_versions_policy_version_idx ON policy_versions (policy_id, version)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_versions`);
    await q.query(`DROP TABLE policies`);
  }
}
