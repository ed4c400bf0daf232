import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tasks suggested from what the org has, and when they were last computed (docs/task-recommendations.md). */
export class TaskRecommendations1764300700300 implements MigrationInterface {
  name = 'TaskRecommendations1764300700300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE task_recommendations (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        fingerprint varchar(300) NOT NULL,
        title varchar(300) NOT NULL,
        rationale text NOT NULL,
        suggested_task jsonb NOT NULL,
        score double precision NOT NULL,
        source varchar(30) NOT NULL CHECK (source IN ('chat_patterns', 'graph', 'connector_state')),
        status varchar(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'dismissed')),
        task_id varchar(40),
        decided_by uuid,
        decided_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX task_recommendations_org_fingerprint_idx ON task_recommendations (org_id, fingerprint)`,
    );
    await q.query(
      `CREATE INDEX task_recommendations_org_created_idx ON task_recommendations (org_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      CREATE TABLE task_recommendation_runs (
        org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        computed_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE task_recommendation_runs`);
    await q.query(`DROP TABLE task_recommendations`);
  }
}
