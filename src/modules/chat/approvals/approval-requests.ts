import { AuditService } from '@libs/audit';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { SecretBox } from '@libs/crypto';
import { OrgEvents } from '@libs/events';
import type { GateDecision } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import type { ApprovalEntity, ToolCallSource } from 'src/modules/chat/chat.entity';
import { argsHash, newId, redact } from 'src/modules/chat/chat.ids';
import type { ToolRunContext } from 'src/modules/chat/tools/tool-call.types';

export type ApprovalRequestContext = Pick<
  ToolRunContext,
  'orgId' | 'conversationId' | 'turnId' | 'messageId' | 'source' | 'actor' | 'security'
>;

/** Where the approval came from, as stored on it (tool-call source → approval source). */
export function approvalSource(source: ToolCallSource): 'manual' | 'chat' | 'channel' | 'task' {
  return source === 'manual' ? 'manual' : source === 'chat' ? 'chat' : source === 'incoming' ? 'channel' : 'task';
}

/** Creates a pending approval for a gated call (args sealed), audits it and announces `approval.created`. */
@Injectable()
export class ApprovalRequests {
  constructor(
    private readonly approvals: ApprovalsRepository,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly events: OrgEvents,
  ) {}

  async create(
    ctx: ApprovalRequestContext,
    toolCallId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    gate: GateDecision,
  ): Promise<ApprovalEntity> {
    const approval = await this.approvals.insertApproval({
      id: newId('apr'),
      orgId: ctx.orgId,
      conversationId: ctx.conversationId,
      turnId: ctx.turnId,
      messageId: ctx.messageId,
      toolCallId,
      tool: tool.qualifiedName,
      connector: tool.connector,
      args: redact(args) as Record<string, unknown>,
      argsSealed: this.box.sealJson(args),
      argsHash: argsHash(args),
      effect: tool.effect,
      reason: gate.reason,
      status: 'pending',
      source: approvalSource(ctx.source),
      requestedBy: ctx.actor.userId,
      expiresAt: new Date(Date.now() + ctx.security.approvalTimeoutSecs * 1000),
    });
    await this.audit.record({
      orgId: ctx.orgId,
      category: 'approval',
      action: 'approval.requested',
      result: 'success',
      actor: ctx.actor.userId ? { userId: ctx.actor.userId, email: ctx.actor.email ?? '' } : null,
      target: { type: 'approval', id: approval.id, tool: approval.tool, conversation_id: ctx.conversationId },
      details: { effect: approval.effect, reason: gate.reason, args_hash: approval.argsHash },
    });
    await this.events.publish(ctx.orgId, 'approval.created', {
      approval_id: approval.id,
      conversation_id: ctx.conversationId,
      tool: approval.tool,
      effect: approval.effect,
      expires_at: approval.expiresAt.toISOString(),
      source: approval.source,
      requested_by: approval.requestedBy,
    });
    return approval;
  }
}
