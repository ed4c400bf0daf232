import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/channels` and `/bindings`: configured inbound channels of an org and their routing rules (docs/channels.md). */
export class Channels1764300900400 implements MigrationInterface {
  name = 'Channels1764300900400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE channels (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        type varchar(20) NOT NULL CHECK (type IN ('slack', 'webhook', 'email', 'whatsapp')),
        config jsonb NOT NULL DEFAULT '{}',
        secrets_sealed bytea,
        enabled boolean NOT NULL DEFAULT true,
        last_connected_at timestamptz(3),
        last_error varchar(1000),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX channels_org_type_uq ON channels (org_id, type)`);
    await q.query(`
      CREATE TABLE channel_bindings (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        channel varchar(20) NOT NULL,
        position integer NOT NULL,
        match_rule jsonb NOT NULL DEFAULT '{}',
        agent varchar(100) NOT NULL,
        realm varchar(100),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX channel_bindings_org_position_idx ON channel_bindings (org_id, position, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE channel_bindings`);
    await q.query(`DROP TABLE channels`);
  }
}
