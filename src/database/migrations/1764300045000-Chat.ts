import { MigrationInterface, QueryRunner } from 'typeorm';

/** Chat: conversations, messages, turns (also agent runs), tool calls, approvals, inbound chat endpoints. */
export class Chat1764300045000 implements MigrationInterface {
  name = 'Chat1764300045000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        title varchar(300) NOT NULL,
        realm varchar(100),
        agent varchar(200) NOT NULL DEFAULT 'default',
        agent_id varchar(100),
        created_by uuid,
        archived boolean NOT NULL DEFAULT false,
        external_key varchar(400),
        last_message_at timestamptz(3),
        deleted_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX conversations_org_created_idx ON conversations (org_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX conversations_external_uq ON conversations (org_id, external_key) WHERE external_key IS NOT NULL AND deleted_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE chat_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        turn_id uuid,
        role varchar(20) NOT NULL,
        content text NOT NULL DEFAULT '',
        tool_calls jsonb NOT NULL DEFAULT '[]',
        tool_call_id varchar(100),
        finish_reason varchar(30),
        usage jsonb,
        compacted boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX chat_messages_conv_seq_idx ON chat_messages (conversation_id, seq)`);

    await q.query(`
      CREATE TABLE chat_turns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        kind varchar(20) NOT NULL DEFAULT 'chat',
        agent varchar(200),
        agent_id varchar(100),
        status varchar(20) NOT NULL,
        owner_instance varchar(100) NOT NULL,
        user_message_id uuid,
        assistant_message_id uuid NOT NULL,
        input text,
        output text,
        finish_reason varchar(30),
        usage jsonb,
        error jsonb,
        created_by uuid,
        finished_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // one running turn per conversation, across every replica
    await q.query(
      `CREATE UNIQUE INDEX chat_turns_one_running_uq ON chat_turns (conversation_id) WHERE status = 'running'`,
    );
    await q.query(`CREATE INDEX chat_turns_conv_created_idx ON chat_turns (conversation_id, created_at DESC)`);
    await q.query(`CREATE INDEX chat_turns_running_idx ON chat_turns (status) WHERE status = 'running'`);

    await q.query(`
      CREATE TABLE tool_calls (
        id varchar(64) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        turn_id uuid,
        message_id uuid,
        source varchar(20) NOT NULL DEFAULT 'chat',
        name varchar(100) NOT NULL,
        llm_call_id varchar(200),
        tool varchar(300),
        connector varchar(100),
        source_id uuid,
        args jsonb NOT NULL DEFAULT '{}',
        effect varchar(20),
        status varchar(30) NOT NULL,
        result jsonb,
        error jsonb,
        policy jsonb,
        approval_id varchar(64),
        usage_ms integer,
        requested_by uuid,
        completed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tool_calls_conv_idx ON tool_calls (conversation_id, created_at)`);
    await q.query(`CREATE INDEX tool_calls_turn_idx ON tool_calls (turn_id)`);

    await q.query(`
      CREATE TABLE approvals (
        id varchar(64) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        turn_id uuid,
        message_id uuid,
        tool_call_id varchar(64) NOT NULL,
        tool varchar(300) NOT NULL,
        connector varchar(100),
        args jsonb NOT NULL DEFAULT '{}',
        args_sealed bytea,
        args_hash char(64) NOT NULL,
        effect varchar(20) NOT NULL,
        reason text,
        status varchar(20) NOT NULL DEFAULT 'pending',
        source varchar(20) NOT NULL DEFAULT 'chat',
        requested_by uuid,
        decided_by uuid,
        decided_at timestamptz(3),
        note text,
        expires_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT approvals_status_ck CHECK (status IN ('pending','approved','denied','expired'))
      )`);
    await q.query(`CREATE INDEX approvals_org_status_idx ON approvals (org_id, status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX approvals_conv_idx ON approvals (conversation_id, created_at DESC)`);
    await q.query(`CREATE INDEX approvals_pending_exp_idx ON approvals (expires_at) WHERE status = 'pending'`);

    await q.query(`
      CREATE TABLE chat_incoming_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        agent varchar(200) NOT NULL DEFAULT 'default',
        realm varchar(100),
        secret_sealed bytea NOT NULL,
        secret_prefix varchar(20) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_by uuid,
        last_used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX chat_incoming_endpoints_org_idx ON chat_incoming_endpoints (org_id, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE chat_incoming_endpoints`);
    await q.query(`DROP TABLE approvals`);
    await q.query(`DROP TABLE tool_calls`);
    await q.query(`DROP TABLE chat_turns`);
    await q.query(`DROP TABLE chat_messages`);
    await q.query(`DROP TABLE conversations`);
  }
}
