import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/pipelines`: versioned connector-driven pipelines and their runs (docs/pipelines.md). */
export class Pipelines1764300900300 implements MigrationInterface {
  name = 'Pipelines1764300900300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pipelines (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        realm varchar(100) NOT NULL DEFAULT 'default',
        steps jsonb NOT NULL,
        schedule varchar(100) NOT NULL DEFAULT 'manual',
        retention_days integer NOT NULL DEFAULT 30,
        enabled boolean NOT NULL DEFAULT true,
        version integer NOT NULL DEFAULT 1,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX pipelines_org_name_uq ON pipelines (org_id, lower(name))`);
    await q.query(`CREATE INDEX pipelines_org_created_idx ON pipelines (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE pipeline_runs (
        id varchar(40) PRIMARY KEY,
        pipeline_id varchar(40) NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        pipeline_version integer NOT NULL,
        status varchar(20) NOT NULL
          CHECK (status IN ('validating', 'running', 'finalizing', 'succeeded', 'failed', 'cancelled')),
        steps jsonb NOT NULL,
        stats jsonb NOT NULL DEFAULT '{}',
        error jsonb,
        retry_of varchar(40),
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        started_at timestamptz(3),
        finished_at timestamptz(3),
        agent_completed_at timestamptz(3),
        agent_summary text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX pipeline_runs_pipeline_idx ON pipeline_runs (pipeline_id, created_at DESC, id DESC)`);
    // one active run per pipeline, race free
    await q.query(
      `CREATE UNIQUE INDEX pipeline_runs_one_active_uq ON pipeline_runs (pipeline_id)
         WHERE status IN ('validating', 'running', 'finalizing')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS pipeline_runs`);
    await q.query(`DROP TABLE IF EXISTS pipelines`);
  }
}
