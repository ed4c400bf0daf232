import { BaseEntity } from '@libs/database/base.entity';
import { Column, CreateDateColumn, Entity, Generated, PrimaryColumn, UpdateDateColumn } from 'typeorm';

const bigintNumber = { to: (v?: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@Entity('conversations')
export class ConversationEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ type: 'varchar', length: 300 }) title: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) realm: string | null;
  @Column({ type: 'varchar', length: 200, default: 'default' }) agent: string;
  @Column({ name: 'agent_id', type: 'varchar', length: 100, nullable: true }) agentId: string | null;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ type: 'boolean', default: false }) archived: boolean;
  @Column({ name: 'external_key', type: 'varchar', length: 400, nullable: true }) externalKey: string | null;
  @Column({ name: 'last_message_at', type: 'timestamptz', precision: 3, nullable: true }) lastMessageAt: Date | null;
  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true }) deletedAt: Date | null;
}

export type MessageRole = 'user' | 'assistant' | 'tool' | 'system';
export type MessageKind = 'compaction_summary';

export interface StoredToolCallSummary {
  tool_call_id: string;
  name: string;
  connector: string | null;
  tool: string | null;
  args: Record<string, unknown>;
  status: string;
}

@Entity('chat_messages')
export class MessageEntity extends BaseEntity {
  @Column({ type: 'bigint', insert: false, update: false, transformer: bigintNumber })
  @Generated('increment')
  seq: number;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'conversation_id', type: 'uuid' }) conversationId: string;
  @Column({ name: 'turn_id', type: 'uuid', nullable: true }) turnId: string | null;
  @Column({ type: 'varchar', length: 20 }) role: MessageRole;
  @Column({ type: 'text', default: '' }) content: string;
  @Column({ name: 'tool_calls', type: 'jsonb', default: () => `'[]'` }) toolCalls: StoredToolCallSummary[];
  @Column({ name: 'tool_call_id', type: 'varchar', length: 100, nullable: true }) toolCallId: string | null;
  @Column({ name: 'finish_reason', type: 'varchar', length: 30, nullable: true }) finishReason: string | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Record<string, number> | null;
  @Column({ type: 'boolean', default: false }) compacted: boolean;
  /** `compaction_summary` for the summary that replaces compacted messages; null otherwise */
  @Column({ type: 'varchar', length: 30, nullable: true }) kind: MessageKind | null;
  /** artifact ids attached to a user message (`attachments` of POST …/messages); null when none */
  @Column({ type: 'jsonb', nullable: true }) attachments: string[] | null;
}

export type TurnStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';
export type TurnKind = 'chat' | 'agent_run' | 'incoming' | 'task';

@Entity('chat_turns')
export class TurnEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'conversation_id', type: 'uuid' }) conversationId: string;
  @Column({ type: 'varchar', length: 20, default: 'chat' }) kind: TurnKind;
  @Column({ type: 'varchar', length: 200, nullable: true }) agent: string | null;
  @Column({ name: 'agent_id', type: 'varchar', length: 100, nullable: true }) agentId: string | null;
  @Column({ type: 'varchar', length: 20 }) status: TurnStatus;
  @Column({ name: 'owner_instance', type: 'varchar', length: 255 }) ownerInstance: string;
  @Column({ name: 'user_message_id', type: 'uuid', nullable: true }) userMessageId: string | null;
  @Column({ name: 'assistant_message_id', type: 'uuid' }) assistantMessageId: string;
  @Column({ type: 'text', nullable: true }) input: string | null;
  @Column({ type: 'text', nullable: true }) output: string | null;
  @Column({ name: 'finish_reason', type: 'varchar', length: 30, nullable: true }) finishReason: string | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Record<string, number> | null;
  @Column({ type: 'jsonb', nullable: true }) error: { code: string; message: string } | null;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ name: 'finished_at', type: 'timestamptz', precision: 3, nullable: true }) finishedAt: Date | null;
}

export type ToolCallStatus = 'pending_approval' | 'running' | 'completed' | 'failed' | 'denied' | 'expired';
export type ToolCallSource = 'chat' | 'manual' | 'agent_run' | 'incoming' | 'task';

@Entity('tool_calls')
export class ToolCallEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'conversation_id', type: 'uuid' }) conversationId: string;
  @Column({ name: 'turn_id', type: 'uuid', nullable: true }) turnId: string | null;
  @Column({ name: 'message_id', type: 'uuid', nullable: true }) messageId: string | null;
  @Column({ type: 'varchar', length: 20, default: 'chat' }) source: ToolCallSource;
  @Column({ type: 'varchar', length: 100 }) name: string;
  @Column({ name: 'llm_call_id', type: 'varchar', length: 200, nullable: true }) llmCallId: string | null;
  @Column({ type: 'varchar', length: 300, nullable: true }) tool: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) connector: string | null;
  @Column({ name: 'source_id', type: 'uuid', nullable: true }) sourceId: string | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) args: Record<string, unknown>;
  @Column({ type: 'varchar', length: 20, nullable: true }) effect: string | null;
  @Column({ type: 'varchar', length: 30 }) status: ToolCallStatus;
  @Column({ type: 'jsonb', nullable: true }) result: unknown;
  @Column({ type: 'jsonb', nullable: true }) error: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
  } | null;
  @Column({ type: 'jsonb', nullable: true }) policy: Record<string, unknown> | null;
  @Column({ name: 'approval_id', type: 'varchar', length: 64, nullable: true }) approvalId: string | null;
  @Column({ name: 'usage_ms', type: 'integer', nullable: true }) usageMs: number | null;
  @Column({ name: 'requested_by', type: 'uuid', nullable: true }) requestedBy: string | null;
  @Column({ name: 'completed_at', type: 'timestamptz', precision: 3, nullable: true }) completedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt: Date;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

@Entity('approvals')
export class ApprovalEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ name: 'conversation_id', type: 'uuid' }) conversationId: string;
  @Column({ name: 'turn_id', type: 'uuid', nullable: true }) turnId: string | null;
  @Column({ name: 'message_id', type: 'uuid', nullable: true }) messageId: string | null;
  @Column({ name: 'tool_call_id', type: 'varchar', length: 64 }) toolCallId: string;
  @Column({ type: 'varchar', length: 300 }) tool: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) connector: string | null;
  @Column({ type: 'jsonb', default: () => `'{}'` }) args: Record<string, unknown>;
  @Column({ name: 'args_sealed', type: 'bytea', nullable: true, select: false }) argsSealed: Buffer | null;
  @Column({ name: 'args_hash', type: 'char', length: 64 }) argsHash: string;
  @Column({ type: 'varchar', length: 20 }) effect: string;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'varchar', length: 20, default: 'pending' }) status: ApprovalStatus;
  @Column({ type: 'varchar', length: 20, default: 'chat' }) source: string;
  @Column({ name: 'requested_by', type: 'uuid', nullable: true }) requestedBy: string | null;
  @Column({ name: 'decided_by', type: 'uuid', nullable: true }) decidedBy: string | null;
  @Column({ name: 'decided_at', type: 'timestamptz', precision: 3, nullable: true }) decidedAt: Date | null;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 }) expiresAt: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt: Date;
}

@Entity('chat_incoming_endpoints')
export class IncomingEndpointEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 200, default: 'default' }) agent: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) realm: string | null;
  @Column({ name: 'secret_sealed', type: 'bytea', select: false }) secretSealed: Buffer;
  @Column({ name: 'secret_prefix', type: 'varchar', length: 20 }) secretPrefix: string;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', precision: 3, nullable: true }) lastUsedAt: Date | null;
}
