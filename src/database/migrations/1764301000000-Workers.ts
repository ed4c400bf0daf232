import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/workers`: worker daemons and their job queue (docs/workers.md). */
export class Workers1764301000000 implements MigrationInterface {
  name = 'Workers1764301000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE worker_daemons (
        id varchar(40) PRIMARY KEY,
        org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        hostname varchar(255) NOT NULL,
        version varchar(100) NOT NULL,
        queues text[] NOT NULL DEFAULT '{}',
        concurrency int NOT NULL DEFAULT 1,
        capabilities jsonb NOT NULL DEFAULT '{}',
        load jsonb NOT NULL DEFAULT '{}',
        drain boolean NOT NULL DEFAULT false,
        heartbeat_secs int NOT NULL DEFAULT 15,
        last_heartbeat_at timestamptz(3) NOT NULL DEFAULT now(),
        offline_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX worker_daemons_org_idx ON worker_daemons (org_id, created_at)`);
    await q.query(`
      CREATE TABLE worker_jobs (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        queue varchar(40) NOT NULL,
        kind varchar(100) NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        ref varchar(100),
        status varchar(20) NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL DEFAULT 3,
        lease_expires_at timestamptz(3),
        worker_id varchar(40),
        error jsonb,
        result jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX worker_jobs_queued_idx ON worker_jobs (queue, created_at, id) WHERE status = 'queued'`);
    await q.query(
      `CREATE INDEX worker_jobs_leased_idx ON worker_jobs (lease_expires_at) WHERE status IN ('claimed', 'running')`,
    );
    await q.query(
      `CREATE INDEX worker_jobs_worker_idx ON worker_jobs (worker_id) WHERE status IN ('claimed', 'running')`,
    );
    await q.query(`CREATE INDEX worker_jobs_org_idx ON worker_jobs (org_id, created_at, id)`);
    await q.query(`CREATE INDEX worker_jobs_ref_idx ON worker_jobs (org_id, ref) WHERE ref IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE worker_jobs`);
    await q.query(`DROP TABLE worker_daemons`);
  }
}
