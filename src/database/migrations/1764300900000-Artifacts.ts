import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/artifacts`: metadata of stored files; the bytes live in the blob store (docs/artifacts.md). */
export class Artifacts1764300900000 implements MigrationInterface {
  name = 'Artifacts1764300900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE artifacts (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(255) NOT NULL,
        description varchar(1000),
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        content_type varchar(100) NOT NULL,
        declared_content_type varchar(255),
        sha256 varchar(64) NOT NULL,
        storage varchar(10) NOT NULL CHECK (storage IN ('local', 's3')),
        storage_key varchar(200) NOT NULL,
        source_type varchar(20) NOT NULL DEFAULT 'upload'
          CHECK (source_type IN ('upload', 'chat', 'task_run', 'ciab', 'snapshot')),
        realm varchar(100),
        conversation_id varchar(64),
        task_run_id varchar(64),
        tool_call_id varchar(64),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX artifacts_org_created_idx ON artifacts (org_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX artifacts_org_conversation_idx ON artifacts (org_id, conversation_id) WHERE conversation_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX artifacts_org_task_run_idx ON artifacts (org_id, task_run_id) WHERE task_run_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifacts`);
  }
}
