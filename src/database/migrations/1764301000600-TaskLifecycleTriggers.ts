import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lifecycle triggers of tasks (docs/tasks.md): the platform event a task listens to and the
 * equality filter on that event's data. Looked up by org and event when the event happens.
 */
export class TaskLifecycleTriggers1764301000600 implements MigrationInterface {
  name = 'TaskLifecycleTriggers1764301000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_trigger_kind_check`);
    await q.query(
      `ALTER TABLE tasks ADD CONSTRAINT tasks_trigger_kind_check
         CHECK (trigger_kind IN ('schedule', 'webhook', 'manual', 'lifecycle'))`,
    );
    await q.query(`ALTER TABLE tasks ADD COLUMN trigger_event varchar(60)`);
    await q.query(`ALTER TABLE tasks ADD COLUMN trigger_filter jsonb`);
    await q.query(
      `CREATE INDEX tasks_lifecycle_idx ON tasks (org_id, trigger_event)
         WHERE trigger_kind = 'lifecycle' AND enabled`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tasks_lifecycle_idx`);
    await q.query(`ALTER TABLE tasks DROP COLUMN IF EXISTS trigger_filter`);
    await q.query(`ALTER TABLE tasks DROP COLUMN IF EXISTS trigger_event`);
    await q.query(`DELETE FROM tasks WHERE trigger_kind = 'lifecycle'`);
    await q.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_trigger_kind_check`);
    await q.query(
      `ALTER TABLE tasks ADD CONSTRAINT tasks_trigger_kind_check CHECK (trigger_kind IN ('schedule', 'webhook', 'manual'))`,
    );
  }
}
