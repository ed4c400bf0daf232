import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sources1764300300000 implements MigrationInterface {
  name = 'Sources1764300300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sources (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        source_type varchar(64) NOT NULL,
        realm varchar(100) NOT NULL,
        config jsonb NOT NULL DEFAULT '{}',
        secrets bytea,
        enabled boolean NOT NULL DEFAULT true,
        schedule varchar(100),
        sync_mode varchar(20) NOT NULL DEFAULT 'full',
        sync_cursor jsonb,
        status varchar(20) NOT NULL DEFAULT 'ready',
        status_detail jsonb,
        last_job_id uuid,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX sources_org_name_uq ON sources (org_id, lower(name))`);
    await q.query(`CREATE INDEX sources_org_created_idx ON sources (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE sync_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        source_id uuid NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        mode varchar(20) NOT NULL DEFAULT 'full',
        status varchar(20) NOT NULL DEFAULT 'queued',
        trigger varchar(20) NOT NULL DEFAULT 'manual',
        requested_by uuid,
        stats jsonb NOT NULL DEFAULT '{}',
        error jsonb,
        attempts int NOT NULL DEFAULT 0,
        queued_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // at most one active job per source: the race-free guard behind 409 sync_in_progress
    await q.query(
      `CREATE UNIQUE INDEX sync_jobs_one_active_uq ON sync_jobs (source_id) WHERE status IN ('queued', 'validating', 'running')`,
    );
    await q.query(`CREATE INDEX sync_jobs_source_created_idx ON sync_jobs (source_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX sync_jobs_org_created_idx ON sync_jobs (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE oauth_states (
        state varchar(128) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL,
        provider varchar(50) NOT NULL,
        source_id uuid,
        name varchar(200),
        realm varchar(100),
        scopes text[] NOT NULL DEFAULT '{}',
        pkce_verifier varchar(128) NOT NULL,
        redirect_uri varchar(2048) NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_states`);
    await q.query(`DROP TABLE sync_jobs`);
    await q.query(`DROP TABLE sources`);
  }
}
