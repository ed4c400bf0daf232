import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sync job's realm override (docs/pipelines.md): a pipeline step's job writes the pipeline's
 * realm instead of the source's. Stored with the job so a worker-daemon claim or a retry uses it.
 */
export class SyncJobRealm1764301000800 implements MigrationInterface {
  name = 'SyncJobRealm1764301000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_jobs ADD COLUMN IF NOT EXISTS realm varchar(100)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sync_jobs DROP COLUMN IF EXISTS realm`);
  }
}
