import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-user notifications and their e-mail preferences (docs/notifications.md). */
export class Notifications1764300700200 implements MigrationInterface {
  name = 'Notifications1764300700200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        type varchar(60) NOT NULL,
        title varchar(300) NOT NULL,
        body text NOT NULL DEFAULT '',
        link varchar(500),
        data jsonb NOT NULL DEFAULT '{}',
        dedupe_key varchar(200),
        read_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notifications_user_unread_idx ON notifications (user_id) WHERE read_at IS NULL`);
    await q.query(
      `CREATE UNIQUE INDEX notifications_user_dedupe_idx ON notifications (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX notifications_created_idx ON notifications (created_at)`);
    await q.query(`
      CREATE TABLE notification_preferences (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        email_enabled boolean NOT NULL DEFAULT false,
        email_kinds text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE notification_preferences`);
    await q.query(`DROP TABLE notifications`);
  }
}
