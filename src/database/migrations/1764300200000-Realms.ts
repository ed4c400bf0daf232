import { MigrationInterface, QueryRunner } from 'typeorm';

/** Custom realms per org (built-in realms are not stored; see src/modules/realms/realms.constants.ts). */
export class Realms1764300200000 implements MigrationInterface {
  name = 'Realms1764300200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE realms (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(63) NOT NULL,
        description text,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX realms_org_name_uq ON realms (org_id, name)`);
    await q.query(`CREATE INDEX realms_org_created_idx ON realms (org_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE realms`);
  }
}
