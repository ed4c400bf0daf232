import type { Principal } from '@libs/auth/principal';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { AppException, ForbiddenException, NotFoundException, ValidationException } from '@libs/errors';
import type { GateVerdict } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { ApprovalOutcomes } from 'src/modules/chat/approvals/approval-outcomes';
import { ApprovalRequests } from 'src/modules/chat/approvals/approval-requests';
import type { ApprovalEntity, ConversationEntity, ToolCallEntity } from 'src/modules/chat/chat.entity';
import { newId, redact } from 'src/modules/chat/chat.ids';
import { toToolCallDto } from 'src/modules/chat/chat.mappers';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import { ChatSecuritySettings } from 'src/modules/chat/context/chat-security';
import { ConversationsService } from 'src/modules/chat/conversations/conversations.service';
import { ManualToolCallDto, ToolCallDto } from 'src/modules/chat/dto/chat.dto';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { EXECUTE_TOOL } from './meta-tools';
import { toolActor, type ToolOutcome, type ToolRunContext, type ToolStop } from './tool-call.types';
import { ToolExecutor } from './tool-executor';
import { ToolPreflight, type PreflightContext } from './tool-preflight';
import { ToolResolver } from './tool-resolver';
import { policyRecord, stoppedFields } from './tool-results';

type ManualResult = { status: number; body: ToolCallDto | Record<string, unknown> };

/** `POST /chat/conversations/:id/tool-calls`: one tool through the same gates as the loop, without the model. */
@Injectable()
export class ToolCallsService {
  constructor(
    private readonly repo: ChatRepository,
    private readonly agents: ChatAgents,
    private readonly securitySettings: ChatSecuritySettings,
    private readonly conversations: ConversationsService,
    private readonly resolver: ToolResolver,
    private readonly preflight: ToolPreflight,
    private readonly executor: ToolExecutor,
    private readonly approvals: ApprovalRequests,
    private readonly outcomes: ApprovalOutcomes,
    private readonly users: UsersRepository,
  ) {}

  async run(p: Principal, conversationId: string, dto: ManualToolCallDto): Promise<ManualResult> {
    const c = await this.conversations.readable(p, conversationId);
    const raw = dto as unknown as Record<string, unknown>;
    const { tool, input } = await this.resolver.resolveExecuteCall(p.orgId, raw, c.realm);
    if (!tool) {
      throw new NotFoundException('Tool', { tool: input.tool, connector: input.connector }, 'tool_not_found');
    }
    const { agent, security } = await this.gateInputs(p.orgId, c);
    const ctx: ToolRunContext = {
      orgId: p.orgId,
      conversationId: c.id,
      turnId: null,
      messageId: null,
      source: 'manual',
      actor: toolActor(p),
      agent,
      conversationRealm: c.realm,
      security,
    };
    const id = newId('tc');
    const base: Partial<ToolCallEntity> = {
      id,
      orgId: p.orgId,
      conversationId: c.id,
      source: 'manual',
      name: EXECUTE_TOOL,
      tool: tool.qualifiedName,
      connector: tool.connector,
      sourceId: tool.sourceId,
      args: redact(input.args) as Record<string, unknown>,
      effect: tool.effect,
      requestedBy: p.userId,
    };
    const { stop, verdict } = await this.preflight.check(ctx, tool, input.tool, input.args);
    if (stop) {
      return this.refuse(base, stop);
    }
    if (verdict.decision === 'approve') {
      return this.requestApproval(ctx, base, tool, input.args, verdict);
    }
    await this.repo.insertToolCall({ ...base, status: 'running', policy: policyRecord(verdict) });
    const o = await this.executor.executeAndStore(p.orgId, id, tool, input.args);
    await this.appendToolMessage(p.orgId, c.id, id, tool.qualifiedName, tool.connector, base.args!, o);
    const row = await this.repo.findToolCall(p.orgId, id);
    return { status: 200, body: toToolCallDto(row!) };
  }

  /** Records the refused call and answers 400 `invalid_arguments`, 403 `policy_denied` or 404. */
  private async refuse(base: Partial<ToolCallEntity>, stop: ToolStop): Promise<never> {
    const id = base.id!;
    await this.repo.insertToolCall({
      ...base,
      status: stop.status,
      error: stop.error,
      policy: stop.policy ?? null,
      usageMs: 0,
      completedAt: new Date(),
    });
    if (stop.error.code === 'invalid_arguments') {
      throw new ValidationException(
        stop.error.message,
        { tool_call_id: id, ...(stop.error.details ?? {}) },
        'invalid_arguments',
      );
    }
    if (stop.error.code === 'policy_denied') {
      throw new ForbiddenException(
        stop.error.message,
        { tool_call_id: id, policy: stop.policy, audit_id: stop.policy?.audit_id },
        'policy_denied',
      );
    }
    throw new AppException(404, stop.error.code, stop.error.message, { tool_call_id: id });
  }

  /** 202 `pending_approval`: the call runs when the approval is decided (ApprovalsService → onManualDecision). */
  private async requestApproval(
    ctx: ToolRunContext,
    base: Partial<ToolCallEntity>,
    tool: CatalogTool,
    args: Record<string, unknown>,
    gate: GateVerdict,
  ): Promise<ManualResult> {
    const id = base.id!;
    const policy = policyRecord(gate);
    await this.repo.insertToolCall({ ...base, status: 'pending_approval', policy });
    const approval = await this.approvals.create(ctx, id, tool, args, gate);
    await this.repo.updateToolCall(id, { approvalId: approval.id });
    return {
      status: 202,
      body: {
        status: 'pending_approval',
        tool_call_id: id,
        approval_id: approval.id,
        tool: tool.qualifiedName,
        connector: tool.connector,
        effect: tool.effect,
        reason: gate.reason,
        expires_at: approval.expiresAt.toISOString(),
        policy,
      },
    };
  }

  async get(p: Principal, conversationId: string, toolCallId: string): Promise<ToolCallDto> {
    const c = await this.conversations.readable(p, conversationId);
    const row = await this.repo.findToolCall(p.orgId, toolCallId);
    if (!row || row.conversationId !== c.id) {
      throw new NotFoundException('Tool call');
    }
    return toToolCallDto(row);
  }

  /** A decided approval of a manual call: run it once (approved) or record the refusal. */
  async onManualDecision(a: ApprovalEntity): Promise<void> {
    const call = await this.repo.findToolCall(a.orgId, a.toolCallId);
    if (!call) {
      return;
    }
    const args = a.status === 'approved' ? await this.outcomes.approvedArgs(a.id) : {};
    const tool = a.status === 'approved' ? await this.resolver.resolveRecorded(a.orgId, call) : undefined;
    const stop = tool ? await this.recheck(a, tool, args) : undefined;
    let o: ToolOutcome;
    if (stop) {
      await this.repo.transitionToolCall(a.toolCallId, ['pending_approval'], stoppedFields(stop));
      o = { status: stop.status, error: stop.error, usageMs: 0 };
    } else {
      o = await this.outcomes.apply(a.orgId, a.toolCallId, tool, args, {
        status: a.status as 'approved' | 'denied' | 'expired',
        note: a.note,
      });
    }
    await this.appendToolMessage(a.orgId, a.conversationId, a.toolCallId, a.tool, a.connector, a.args, o);
  }

  /** The conversation's agent (else the default one) and the org's approval settings. */
  private async gateInputs(orgId: string, c: ConversationEntity): Promise<Pick<ToolRunContext, 'agent' | 'security'>> {
    const [agent, security] = await Promise.all([
      this.agents.agent(orgId, c.agentId ?? c.agent).catch(() => this.agents.agent(orgId, 'default')),
      this.securitySettings.security(orgId),
    ]);
    return { agent, security };
  }

  /**
   * An approved manual call goes through the gate again, for its requester as they are now: a
   * policy deny that came in while it waited still stops it, and so does a requester who has been
   * disabled or removed since.
   */
  private async recheck(
    a: ApprovalEntity,
    tool: CatalogTool,
    args: Record<string, unknown>,
  ): Promise<ToolStop | undefined> {
    const [user, c] = await Promise.all([
      a.requestedBy ? this.users.findInOrg(a.orgId, a.requestedBy) : Promise.resolve(null),
      this.repo.findConversation(a.orgId, a.conversationId),
    ]);
    if (!user || user.disabledAt || !c) {
      return {
        status: 'denied',
        error: { code: 'requester_inactive', message: 'The user who requested this call is no longer active' },
      };
    }
    const { agent, security } = await this.gateInputs(a.orgId, c);
    const ctx: PreflightContext = {
      orgId: a.orgId,
      conversationId: c.id,
      source: 'manual',
      actor: { userId: user.id, email: user.email, role: user.role, apiKeyId: null },
      agent,
      conversationRealm: c.realm,
      security,
    };
    return (await this.preflight.check(ctx, tool, tool.qualifiedName, args)).stop;
  }

  /** The call and its result become a `tool` message, so the model sees it on the next turn. */
  private async appendToolMessage(
    orgId: string,
    conversationId: string,
    toolCallId: string,
    tool: string,
    connector: string | null,
    args: Record<string, unknown>,
    o: ToolOutcome,
  ): Promise<void> {
    const content = JSON.stringify(o.error ? { error: o.error } : (o.result ?? null));
    await this.repo.insertMessage({
      orgId,
      conversationId,
      role: 'tool',
      content: content.length > 100_000 ? `${content.slice(0, 100_000)}…` : content,
      toolCallId,
      toolCalls: [{ tool_call_id: toolCallId, name: EXECUTE_TOOL, connector, tool, args, status: o.status }],
    });
    await this.repo.touchConversation(conversationId);
  }
}
