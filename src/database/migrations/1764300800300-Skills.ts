import { MigrationInterface, QueryRunner } from 'typeorm';

/** Markdown skills with their approval workflow, and the skills enabled per conversation (docs/skills.md). */
export class Skills1764300800300 implements MigrationInterface {
  name = 'Skills1764300800300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE skills (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        slug varchar(120) NOT NULL,
        name varchar(200) NOT NULL,
        description text NOT NULL DEFAULT '',
        version varchar(40) NOT NULL,
        author varchar(200),
        tags text[] NOT NULL DEFAULT '{}',
        body text NOT NULL,
        char_count int NOT NULL,
        origin varchar(20) NOT NULL DEFAULT 'custom' CHECK (origin IN ('custom', 'registry', 'builtin')),
        status varchar(20) NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected', 'archived')),
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        submitted_by uuid REFERENCES users(id) ON DELETE SET NULL,
        reviewed_by uuid REFERENCES users(id) ON DELETE SET NULL,
        review_note text,
        reviewed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX skills_org_slug_version_idx ON skills (org_id, slug, version)`);
    await q.query(
      `CREATE UNIQUE INDEX skills_org_slug_approved_idx ON skills (org_id, slug) WHERE status = 'approved'`,
    );
    await q.query(`CREATE INDEX skills_org_created_idx ON skills (org_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE conversation_skills (
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        slug varchar(120) NOT NULL,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        enabled boolean NOT NULL DEFAULT true,
        enabled_by uuid REFERENCES users(id) ON DELETE SET NULL,
        enabled_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (conversation_id, slug)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE conversation_skills`);
    await q.query(`DROP TABLE skills`);
  }
}
