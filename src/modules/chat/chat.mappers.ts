import type { ApprovalEntity, ConversationEntity, MessageEntity, ToolCallEntity } from 'src/modules/chat/chat.entity';
import type { ApprovalDto, ConversationDto, MessageDto, ToolCallDto } from 'src/modules/chat/dto/chat.dto';
import { EXECUTE_TOOL } from 'src/modules/chat/tools/meta-tools';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toConversationDto(c: ConversationEntity): ConversationDto {
  return {
    id: c.id,
    title: c.title,
    realm: c.realm,
    agent: c.agent,
    agent_id: c.agentId,
    created_by: c.createdBy,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    last_message_at: iso(c.lastMessageAt),
    archived: c.archived,
  };
}

export function toMessageDto(m: MessageEntity): MessageDto {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    role: m.role,
    content: m.content,
    tool_calls: m.toolCalls ?? [],
    tool_call_id: m.toolCallId,
    finish_reason: m.finishReason,
    usage: (m.usage as MessageDto['usage']) ?? null,
    kind: m.kind ?? null,
    compacted: m.compacted ?? false,
    attachments: m.attachments ?? [],
    created_at: m.createdAt.toISOString(),
  };
}

export function toApprovalDto(a: ApprovalEntity): ApprovalDto {
  return {
    id: a.id,
    conversation_id: a.conversationId,
    message_id: a.messageId,
    tool_call_id: a.toolCallId,
    tool: a.tool,
    name: EXECUTE_TOOL,
    connector: a.connector,
    args: a.args,
    args_hash: a.argsHash,
    effect: a.effect,
    reason: a.reason,
    status: a.status,
    source: a.source,
    requested_by: a.requestedBy,
    decided_by: a.decidedBy,
    decided_at: iso(a.decidedAt),
    note: a.note,
    created_at: a.createdAt.toISOString(),
    expires_at: a.expiresAt.toISOString(),
  };
}

export function toToolCallDto(t: ToolCallEntity): ToolCallDto {
  const out: ToolCallDto = {
    tool_call_id: t.id,
    status: t.status,
    tool: t.tool,
    connector: t.connector,
    approval_id: t.approvalId,
  };
  if (t.status === 'completed') {
    out.result = t.result ?? null;
  }
  if (t.error) {
    out.error = { code: t.error.code, message: t.error.message };
    out.result = { error: { code: t.error.code, message: t.error.message } };
  }
  if (t.usageMs !== null && t.usageMs !== undefined) {
    out.usage_ms = t.usageMs;
  }
  if (t.policy) {
    out.policy = t.policy;
  }
  return out;
}
