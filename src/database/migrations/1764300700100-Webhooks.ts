import { MigrationInterface, QueryRunner } from 'typeorm';

/** Inbound/outbound webhooks, their delivery log (also the outbound outbox) and saved samples (docs/webhooks.md). */
export class Webhooks1764300700100 implements MigrationInterface {
  name = 'Webhooks1764300700100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        direction varchar(10) NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        name varchar(200) NOT NULL,
        target jsonb,
        url text,
        events text[] NOT NULL DEFAULT '{}',
        secret_sealed bytea NOT NULL,
        secret_preview varchar(40) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhooks_org_created_idx ON webhooks (org_id, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX webhooks_org_outbound_idx ON webhooks (org_id) WHERE direction = 'outbound' AND enabled`,
    );
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        webhook_id varchar(40) NOT NULL,
        direction varchar(10) NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        source varchar(20) NOT NULL,
        status varchar(20) NOT NULL
          CHECK (status IN ('accepted', 'rejected', 'failed', 'pending', 'succeeded', 'dead')),
        event_type varchar(100),
        http_status int,
        reject_reason varchar(40),
        signature_valid boolean,
        content_type varchar(200),
        size_bytes int NOT NULL DEFAULT 0,
        source_ip varchar(64),
        headers jsonb,
        body text,
        body_truncated boolean NOT NULL DEFAULT false,
        query jsonb,
        payload jsonb,
        response_body text,
        attempts int NOT NULL DEFAULT 0,
        latency_ms int,
        error_code varchar(60),
        error text,
        next_attempt_at timestamptz(3),
        lease_until timestamptz(3),
        leased_by varchar(64),
        deployment varchar(200) NOT NULL DEFAULT '',
        run_id varchar(40),
        replay_of varchar(40),
        delivered_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (org_id, webhook_id, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE webhook_samples (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        id varchar(100) NOT NULL,
        name varchar(100) NOT NULL,
        description text NOT NULL DEFAULT '',
        payload jsonb NOT NULL,
        headers jsonb,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX webhook_samples_org_name_idx ON webhook_samples (org_id, lower(name))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_samples`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
  }
}
