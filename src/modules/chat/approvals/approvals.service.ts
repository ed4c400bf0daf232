import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { ConflictException, NotFoundException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { Page } from '@libs/pagination';
import { ToolGate } from '@libs/tool-gate';
import { Injectable, Logger } from '@nestjs/common';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import { ApprovalEntity } from 'src/modules/chat/chat.entity';
import { toApprovalDto } from 'src/modules/chat/chat.mappers';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatSecuritySettings } from 'src/modules/chat/context/chat-security';
import { ConversationsService, isAdmin } from 'src/modules/chat/conversations/conversations.service';
import { ApprovalDto, DecideApprovalDto, ListApprovalsQuery } from 'src/modules/chat/dto/chat.dto';
import { ToolCallsService } from 'src/modules/chat/tools/tool-calls.service';
import { ApprovalSignals } from './approval-signals';

type AuditMeta = { requestId?: string | null; ip?: string | null };

/** Listing, reading and deciding approvals (the self-approval rule is the gate's: ToolGate.assertMayApprove). */
@Injectable()
export class ApprovalsService {
  private readonly logger = new Logger(ApprovalsService.name);

  constructor(
    private readonly repo: ChatRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly conversations: ConversationsService,
    private readonly signals: ApprovalSignals,
    private readonly toolCalls: ToolCallsService,
    private readonly audit: AuditService,
    private readonly events: OrgEvents,
    private readonly securitySettings: ChatSecuritySettings,
    private readonly gate: ToolGate,
  ) {}

  /** Members see approvals of their conversations (or that they requested); admins see the whole org. */
  private async visible(p: Principal, id: string, conversationId?: string): Promise<ApprovalEntity> {
    const a = await this.approvals.findApproval(p.orgId, id);
    if (!a || (conversationId && a.conversationId !== conversationId)) {
      throw new NotFoundException('Approval');
    }
    if (!isAdmin(p) && a.requestedBy !== p.userId) {
      const c = await this.repo.findConversation(p.orgId, a.conversationId);
      if (!c || c.createdBy !== p.userId) {
        throw new NotFoundException('Approval');
      }
    }
    return a;
  }

  async list(p: Principal, q: ListApprovalsQuery, conversationId?: string): Promise<Page<ApprovalDto>> {
    if (conversationId) {
      await this.conversations.readable(p, conversationId);
    }
    return this.approvals.listApprovals(
      p.orgId,
      { status: q.status, conversationId, userId: isAdmin(p) || conversationId ? null : p.userId },
      q,
      toApprovalDto,
    );
  }

  async get(p: Principal, id: string): Promise<ApprovalDto> {
    return toApprovalDto(await this.visible(p, id));
  }

  /**
   * The decision is a conditional UPDATE (pending and unexpired); whoever runs the turn is woken
   * through `approval:<id>` on the event bus. Manual tool calls are executed here once approved.
   */
  async decide(
    p: Principal,
    id: string,
    dto: DecideApprovalDto,
    conversationId?: string,
    meta: AuditMeta = {},
  ): Promise<ApprovalDto> {
    const a = await this.visible(p, id, conversationId);
    const status = dto.approved ? 'approved' : 'denied';
    if (dto.approved && a.status === 'pending') {
      await this.gate.assertMayApprove({
        orgId: p.orgId,
        approval: a,
        decider: p,
        allowSelfApproval: (await this.securitySettings.security(p.orgId)).allowSelfApproval,
        requestId: meta.requestId,
        ip: meta.ip,
      });
    }
    const decided = await this.approvals.decide(p.orgId, a.id, status, p.userId, dto.note ?? null);
    if (!decided) {
      return this.refuseLateDecision(p, a, status, meta);
    }
    await this.announce(p, decided, meta);
    if (decided.source === 'manual') {
      void this.toolCalls
        .onManualDecision(decided)
        .catch((err) => this.logger.error(`manual tool call ${decided.toolCallId} failed: ${(err as Error).message}`));
    }
    return toApprovalDto(decided);
  }

  /** The approval was no longer pending: expire it if due, audit the failure, 409 `approval_expired` / `approval_already_decided`. */
  private async refuseLateDecision(p: Principal, a: ApprovalEntity, status: string, meta: AuditMeta): Promise<never> {
    const now = await this.approvals.findApproval(p.orgId, a.id);
    if (now && now.status === 'pending' && now.expiresAt.getTime() <= Date.now()) {
      if (await this.approvals.expireIfDue(now.id)) {
        await this.signals.publish(now.id, 'expired', null);
      }
    }
    const final = (await this.approvals.findApproval(p.orgId, a.id)) ?? now;
    await this.audit.record({
      orgId: p.orgId,
      category: 'approval',
      action: 'approval.decide',
      result: 'failure',
      actor: p,
      target: { type: 'approval', id: a.id, tool: a.tool, conversation_id: a.conversationId },
      details: { requested: status, current: final?.status },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    if (final?.status === 'expired') {
      throw new ConflictException(
        'The approval expired before a decision',
        { approval_id: a.id, expires_at: a.expiresAt.toISOString() },
        'approval_expired',
      );
    }
    throw new ConflictException(
      'The approval was already decided',
      { approval_id: a.id, status: final?.status },
      'approval_already_decided',
    );
  }

  /** Wakes the waiter, audits `approval.<status>` and publishes `approval.resolved` to the org. */
  private async announce(p: Principal, decided: ApprovalEntity, meta: AuditMeta): Promise<void> {
    await this.signals.publish(decided.id, decided.status, decided.note);
    await this.audit.record({
      orgId: p.orgId,
      category: 'approval',
      action: `approval.${decided.status}`,
      result: 'success',
      actor: p,
      target: {
        type: 'approval',
        id: decided.id,
        tool: decided.tool,
        conversation_id: decided.conversationId,
        tool_call_id: decided.toolCallId,
      },
      details: { effect: decided.effect, note: decided.note, args_hash: decided.argsHash, source: decided.source },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    await this.events.publish(p.orgId, 'approval.resolved', {
      approval_id: decided.id,
      conversation_id: decided.conversationId,
      decision: decided.status,
      note: decided.note,
    });
  }
}
