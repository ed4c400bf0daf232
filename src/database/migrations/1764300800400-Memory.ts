import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Org memory (docs/memory.md). pgvector is not available in every PostgreSQL this runs on, so the
 * embedding is a plain `real[]` and recall ranks the org's candidates in process.
 */
export class Memory1764300800400 implements MigrationInterface {
  name = 'Memory1764300800400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE memories (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        kind varchar(40) NOT NULL,
        text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
        text_hash varchar(64) NOT NULL,
        realm varchar(100),
        tags text[] NOT NULL DEFAULT '{}',
        subject_node_ids text[] NOT NULL DEFAULT '{}',
        source jsonb NOT NULL DEFAULT '{}',
        embedding real[],
        embedding_model varchar(120),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        graph_synced boolean NOT NULL DEFAULT false,
        deleted_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX memories_dedupe_idx ON memories (org_id, coalesce(realm, ''), kind, text_hash) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX memories_org_updated_idx ON memories (org_id, updated_at DESC) WHERE deleted_at IS NULL`,
    );
    await q.query(`CREATE INDEX memories_org_created_idx ON memories (org_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX memories_unsynced_idx ON memories (org_id) WHERE graph_synced = false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE memories`);
  }
}
