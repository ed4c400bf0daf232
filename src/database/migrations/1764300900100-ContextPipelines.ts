import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/context/pipelines`: continuous-ingest pipelines, their tokens, landed events, 1-minute run windows (docs/context-pipelines.md). */
export class ContextPipelines1764300900100 implements MigrationInterface {
  name = 'ContextPipelines1764300900100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE context_pipelines (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(100) NOT NULL,
        kind varchar(20) NOT NULL CHECK (kind IN ('webhook', 'filedrop', 'connector')),
        target_table varchar(20) NOT NULL
          CHECK (target_table IN ('context_events', 'context_nodes', 'context_edges')),
        realm varchar(100) NOT NULL DEFAULT 'default',
        require_signature boolean NOT NULL DEFAULT false,
        enabled boolean NOT NULL DEFAULT true,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX context_pipelines_org_name_uq ON context_pipelines (org_id, lower(name))`);
    await q.query(
      `CREATE INDEX context_pipelines_org_created_idx ON context_pipelines (org_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE context_pipeline_tokens (
        id varchar(40) PRIMARY KEY,
        pipeline_id varchar(40) NOT NULL REFERENCES context_pipelines(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(100),
        token_hash char(64) NOT NULL,
        prefix varchar(12) NOT NULL,
        signing_secret_sealed bytea,
        has_signing_secret boolean NOT NULL DEFAULT false,
        revoked_at timestamptz(3),
        last_used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX context_pipeline_tokens_hash_uq ON context_pipeline_tokens (token_hash)`);
    await q.query(
      `CREATE INDEX context_pipeline_tokens_pipeline_idx ON context_pipeline_tokens (pipeline_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE context_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        pipeline_id varchar(40) NOT NULL REFERENCES context_pipelines(id) ON DELETE CASCADE,
        realm varchar(100) NOT NULL,
        ts timestamptz(3) NOT NULL,
        received_at timestamptz(3) NOT NULL,
        data jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX context_events_org_realm_ts_idx ON context_events (org_id, realm, ts DESC)`);
    await q.query(`CREATE INDEX context_events_pipeline_idx ON context_events (pipeline_id)`);
    await q.query(`
      CREATE TABLE context_pipeline_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pipeline_id varchar(40) NOT NULL REFERENCES context_pipelines(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        window_start timestamptz(3) NOT NULL,
        accepted bigint NOT NULL DEFAULT 0,
        rejected bigint NOT NULL DEFAULT 0,
        bytes bigint NOT NULL DEFAULT 0,
        requests integer NOT NULL DEFAULT 0
      )`);
    await q.query(
      `CREATE UNIQUE INDEX context_pipeline_runs_window_uq ON context_pipeline_runs (pipeline_id, window_start)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE context_pipeline_runs`);
    await q.query(`DROP TABLE context_events`);
    await q.query(`DROP TABLE context_pipeline_tokens`);
    await q.query(`DROP TABLE context_pipelines`);
  }
}
