import type { Principal } from '@libs/auth/principal';
import { AppException, ForbiddenException, NotFoundException, ValidationException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { ChatDeps } from './chat.deps';
import { ApprovalEntity } from './chat.entity';
import { newId, redact } from './chat.ids';
import { toToolCallDto } from './chat.mappers';
import { ChatRepository } from './chat.repository';
import { ConversationsService } from './conversations.service';
import { ManualToolCallDto, ToolCallDto } from './dto/chat.dto';
import { EXECUTE_TOOL } from './meta-tools';
import { policyRecord, toolActor, ToolOutcome, ToolRunner } from './tool-runner.service';

/** `POST /chat/conversations/:id/tool-calls`: one tool through the same gates as the loop, without the model. */
@Injectable()
export class ToolCallsService {
  constructor(
    private readonly repo: ChatRepository,
    private readonly deps: ChatDeps,
    private readonly conversations: ConversationsService,
    private readonly tools: ToolRunner,
  ) {}

  async run(
    p: Principal,
    conversationId: string,
    dto: ManualToolCallDto,
  ): Promise<{ status: number; body: ToolCallDto | Record<string, unknown> }> {
    const c = await this.conversations.readable(p, conversationId);
    const { tool, input } = await this.tools.resolveExecuteCall(
      p.orgId,
      dto as unknown as Record<string, unknown>,
      c.realm,
    );
    if (!tool) {
      throw new NotFoundException('Tool', { tool: input.tool, connector: input.connector }, 'tool_not_found');
    }
    const [agent, security] = await Promise.all([
      this.deps.agent(p.orgId, c.agentId ?? c.agent).catch(() => this.deps.agent(p.orgId, 'default')),
      this.deps.security(p.orgId),
    ]);
    const ctx = {
      orgId: p.orgId,
      conversationId: c.id,
      turnId: null,
      messageId: null,
      source: 'manual' as const,
      actor: toolActor(p),
      agent,
      conversationRealm: c.realm,
      security,
    };
    const id = newId('tc');
    const shownArgs = redact(input.args) as Record<string, unknown>;
    const base = {
      id,
      orgId: p.orgId,
      conversationId: c.id,
      source: 'manual' as const,
      name: EXECUTE_TOOL,
      tool: tool.qualifiedName,
      connector: tool.connector,
      sourceId: tool.sourceId,
      args: shownArgs,
      effect: tool.effect,
      requestedBy: p.userId,
    };
    const { stop, verdict: gate } = await this.tools.preflight(ctx, tool, input.tool, input.args);
    if (stop) {
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
    const policy = policyRecord(gate);
    if (gate.decision === 'approve') {
      await this.repo.insertToolCall({ ...base, status: 'pending_approval', policy });
      const approval = await this.tools.createApproval(ctx, id, tool, input.args, gate);
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
    await this.repo.insertToolCall({ ...base, status: 'running', policy });
    const o = await this.tools.executeAndStore(p.orgId, id, tool, input.args);
    await this.appendToolMessage(p.orgId, c.id, id, tool.qualifiedName, tool.connector, shownArgs, o);
    const row = await this.repo.findToolCall(p.orgId, id);
    return { status: 200, body: toToolCallDto(row!) };
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
    const args = a.status === 'approved' ? await this.tools.approvedArgs(a.id) : {};
    const tool = a.status === 'approved' ? await this.tools.resolveRecorded(a.orgId, call) : undefined;
    const o = await this.tools.applyDecision(a.orgId, a.toolCallId, tool, args, {
      status: a.status as 'approved' | 'denied' | 'expired',
      note: a.note,
    });
    await this.appendToolMessage(a.orgId, a.conversationId, a.toolCallId, a.tool, a.connector, a.args, o);
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
