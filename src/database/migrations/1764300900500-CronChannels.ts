import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/cron-channels`: scheduled channel messages backed by schedule tasks (docs/channels.md). */
export class CronChannels1764300900500 implements MigrationInterface {
  name = 'CronChannels1764300900500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cron_channels (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        channel varchar(20) NOT NULL,
        target jsonb NOT NULL DEFAULT '{}',
        cron varchar(200) NOT NULL,
        timezone varchar(100),
        agent varchar(200) NOT NULL,
        realm varchar(100),
        prompt text NOT NULL,
        task_id varchar(40) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        last_run_at timestamptz(3),
        last_error varchar(1000),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX cron_channels_org_name_uq ON cron_channels (org_id, name)`);
    await q.query(`CREATE INDEX cron_channels_task_idx ON cron_channels (task_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE cron_channels`);
  }
}
