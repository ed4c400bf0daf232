import { MigrationInterface, QueryRunner } from 'typeorm';

/** Connector access requests opened by the chat's `request_connector_access` (tools-and-catalog.md §2). */
export class AccessRequests1764300600100 implements MigrationInterface {
  name = 'AccessRequests1764300600100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE access_requests (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id uuid,
        connector varchar(200) NOT NULL,
        reason text NOT NULL DEFAULT '',
        conversation_id varchar(64),
        status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'granted', 'rejected')),
        decided_by uuid,
        decided_at timestamptz(3),
        note text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX access_requests_org_created_idx ON access_requests (org_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE access_requests`);
  }
}
