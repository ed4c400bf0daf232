import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `/pipelines` schedules, config overrides and run retention (docs/pipelines.md): the last
 * scheduled fire of a pipeline (skipped fires are counted), what started a run and which tick it
 * belongs to (one run per tick, race free), and the per-run config overrides of a sync job.
 */
export class PipelineSchedules1764301000400 implements MigrationInterface {
  name = 'PipelineSchedules1764301000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pipelines ADD COLUMN last_fire jsonb`);
    await q.query(`ALTER TABLE pipelines ADD COLUMN fires_skipped integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE pipeline_runs ADD COLUMN trigger varchar(20) NOT NULL DEFAULT 'manual'`);
    await q.query(`ALTER TABLE pipeline_runs ADD COLUMN scheduled_for timestamptz(3)`);
    await q.query(
      `CREATE UNIQUE INDEX pipeline_runs_tick_uq ON pipeline_runs (pipeline_id, scheduled_for)
         WHERE scheduled_for IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX pipeline_runs_finished_idx ON pipeline_runs (finished_at) WHERE finished_at IS NOT NULL`,
    );
    await q.query(`ALTER TABLE sync_jobs ADD COLUMN config_overrides jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_jobs DROP COLUMN IF EXISTS config_overrides`);
    await q.query(`DROP INDEX IF EXISTS pipeline_runs_finished_idx`);
    await q.query(`DROP INDEX IF EXISTS pipeline_runs_tick_uq`);
    await q.query(`ALTER TABLE pipeline_runs DROP COLUMN IF EXISTS scheduled_for`);
    await q.query(`ALTER TABLE pipeline_runs DROP COLUMN IF EXISTS trigger`);
    await q.query(`ALTER TABLE pipelines DROP COLUMN IF EXISTS fires_skipped`);
    await q.query(`ALTER TABLE pipelines DROP COLUMN IF EXISTS last_fire`);
  }
}
