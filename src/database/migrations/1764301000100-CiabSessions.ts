import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/ciab-native`: local coding sessions and their snapshots (docs/ciab.md). */
export class CiabSessions1764301000100 implements MigrationInterface {
  name = 'CiabSessions1764301000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ciab_sessions (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        created_by uuid,
        runtime varchar(10) NOT NULL,
        agent_provider varchar(30) NOT NULL,
        status varchar(20) NOT NULL
          CHECK (status IN ('provisioning', 'running', 'idle', 'terminated', 'failed')),
        status_reason varchar(500),
        instance varchar(300) NOT NULL,
        host_uid integer,
        seed jsonb,
        restored_from varchar(40),
        prompt text,
        last_activity_at timestamptz(3) NOT NULL DEFAULT now(),
        ended_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ciab_sessions_org_created_idx ON ciab_sessions (org_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX ciab_sessions_live_idx ON ciab_sessions (instance, status) WHERE status IN ('provisioning', 'running', 'idle')`,
    );
    await q.query(`
      CREATE TABLE ciab_snapshots (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        session_id varchar(40) NOT NULL,
        artifact_id varchar(40) NOT NULL,
        label varchar(200),
        size_bytes bigint NOT NULL,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ciab_snapshots_org_idx ON ciab_snapshots (org_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ciab_snapshots`);
    await q.query(`DROP TABLE ciab_sessions`);
  }
}
