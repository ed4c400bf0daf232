import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replica executing a `/pipelines` run (its replica-presence instance id, docs/pipelines.md
 * "Recovery"): when that replica's liveness key lapses, the run sweeper of a live replica of the same
 * deployment ends the run `failed`/`interrupted`. Runs started before this column existed keep NULL
 * (never swept).
 */
export class PipelineRunOwner1764301000900 implements MigrationInterface {
  name = 'PipelineRunOwner1764301000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS owner_instance varchar(255)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE pipeline_runs DROP COLUMN IF EXISTS owner_instance`);
  }
}
