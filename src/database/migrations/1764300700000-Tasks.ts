import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tasks and task runs (tasks-and-pipelines.md §2–3, docs/tasks.md). */
export class Tasks1764300700000 implements MigrationInterface {
  name = 'Tasks1764300700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tasks (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        description text,
        agent varchar(200) NOT NULL DEFAULT 'default',
        realm varchar(100),
        trigger_kind varchar(20) NOT NULL CHECK (trigger_kind IN ('schedule', 'webhook', 'manual')),
        cron varchar(200),
        timezone varchar(100) NOT NULL DEFAULT 'UTC',
        secret_sealed bytea,
        secret_prefix varchar(20),
        input_template jsonb NOT NULL DEFAULT '{}',
        approval_defaults jsonb,
        enabled boolean NOT NULL DEFAULT true,
        timeout_secs integer NOT NULL DEFAULT 900,
        max_iterations integer NOT NULL DEFAULT 20,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX tasks_org_name_uq ON tasks (org_id, lower(name))`);
    await q.query(`CREATE INDEX tasks_org_created_idx ON tasks (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE task_runs (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        task_id varchar(40),
        task_name varchar(200),
        status varchar(20) NOT NULL
          CHECK (status IN ('pending', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled')),
        waiting_approval boolean NOT NULL DEFAULT false,
        trigger jsonb NOT NULL DEFAULT '{}',
        input jsonb NOT NULL DEFAULT '{}',
        agent varchar(200) NOT NULL DEFAULT 'default',
        realm varchar(100),
        approval_defaults jsonb,
        timeout_secs integer NOT NULL DEFAULT 900,
        max_iterations integer NOT NULL DEFAULT 20,
        created_by uuid,
        conversation_id uuid,
        turn_id uuid,
        cancel_requested boolean NOT NULL DEFAULT false,
        usage jsonb,
        error jsonb,
        output text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        started_at timestamptz(3),
        finished_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX task_runs_task_created_idx ON task_runs (org_id, task_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX task_runs_active_idx ON task_runs (task_id) WHERE status IN ('pending', 'running', 'awaiting_approval')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE task_runs`);
    await q.query(`DROP TABLE tasks`);
  }
}
