import { ToolExecutionError } from '@libs/connectors/connector';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import type { LlmToolCall } from '@libs/llm/llm.port';
import type { GateVerdict } from '@libs/tool-gate';
import { Injectable, Optional } from '@nestjs/common';
import { ApprovalOutcomes } from 'src/modules/chat/approvals/approval-outcomes';
import { ApprovalRequests } from 'src/modules/chat/approvals/approval-requests';
import { ApprovalWaiter } from 'src/modules/chat/approvals/approval-waiter';
import type { StoredToolCallSummary, ToolCallEntity } from 'src/modules/chat/chat.entity';
import { newId, redact } from 'src/modules/chat/chat.ids';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { CatalogMetaTools } from './catalog-meta-tools';
import { EXECUTE_TOOL, LIST_CONNECTORS, RAG_SEARCH, REQUEST_ACCESS, SEARCH_TOOLS } from './meta-tools';
import { SkillMetaTools } from './skill-meta-tools';
import type { MetaCallResult, ToolOutcome, ToolRunContext, ToolStop } from './tool-call.types';
import { ToolExecutor } from './tool-executor';
import { ToolPreflight } from './tool-preflight';
import { ToolResolver } from './tool-resolver';
import { modelResult, policyRecord, stoppedFields, toolResultEvent } from './tool-results';

/** An execute_connector_tool call once routed: what is shown, stored and summarised for it. */
interface ExecuteCall {
  id: string;
  tool: CatalogTool | undefined;
  args: Record<string, unknown>;
  qualified: string;
  connector: string | null;
  shownArgs: Record<string, unknown>;
  base: Partial<ToolCallEntity>;
}

/**
 * One model-issued tool call of the agent loop: meta-tools answer from the catalog; an
 * `execute_connector_tool` call goes Route → Gate (agent allow-list, role, policy, approval
 * defaults) → Approval (wait) → Backend → Result, each step in its own class.
 */
@Injectable()
export class ToolRunner {
  constructor(
    private readonly repo: ChatRepository,
    private readonly resolver: ToolResolver,
    private readonly preflight: ToolPreflight,
    private readonly executor: ToolExecutor,
    private readonly approvals: ApprovalRequests,
    private readonly waiter: ApprovalWaiter,
    private readonly outcomes: ApprovalOutcomes,
    private readonly catalog: CatalogMetaTools,
    @Optional() private readonly skillTools?: SkillMetaTools,
  ) {}

  async runMeta(ctx: ToolRunContext, call: LlmToolCall): Promise<MetaCallResult> {
    const id = newId('tc');
    if (call.name === EXECUTE_TOOL) {
      return this.runExecute(ctx, id, call);
    }
    const started = Date.now();
    ctx.emit?.('tool_call_start', {
      tool_call_id: id,
      name: call.name,
      connector: null,
      tool: call.name,
      args: call.args ?? {},
    });
    const outcome = await this.answerMeta(ctx, call);
    outcome.usageMs = Date.now() - started;
    await this.repo.insertToolCall({
      id,
      orgId: ctx.orgId,
      conversationId: ctx.conversationId,
      turnId: ctx.turnId,
      messageId: ctx.messageId,
      source: ctx.source,
      name: call.name,
      llmCallId: call.id,
      tool: call.name,
      connector: null,
      args: redact(call.args ?? {}) as Record<string, unknown>,
      effect: 'read',
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      usageMs: outcome.usageMs,
      requestedBy: ctx.actor.userId,
      completedAt: new Date(),
    });
    ctx.emit?.('tool_result', toolResultEvent(id, outcome));
    const summary = { tool_call_id: id, name: call.name, connector: null, tool: call.name, args: call.args ?? {} };
    return { summary: { ...summary, status: outcome.status }, modelResult: modelResult(outcome) };
  }

  /** list_connectors / search_tools / request_connector_access; an unknown name fails `tool_not_found`. */
  private async answerMeta(ctx: ToolRunContext, call: LlmToolCall): Promise<ToolOutcome> {
    try {
      if (call.name === LIST_CONNECTORS) {
        return { status: 'completed', result: await this.catalog.listConnectors(ctx.orgId, ctx) };
      }
      if (call.name === SEARCH_TOOLS) {
        const query = String(call.args?.query ?? '');
        const topK = Number(call.args?.top_k ?? 5);
        return { status: 'completed', result: await this.catalog.searchTools(ctx.orgId, query, topK, ctx) };
      }
      if (this.skillTools?.handles(call.name)) {
        return await this.skillTools.answer(ctx, call);
      }
      if (call.name === RAG_SEARCH) {
        const query = String(call.args?.query ?? '');
        const topK = Number(call.args?.top_k ?? 5);
        return { status: 'completed', result: await this.catalog.ragSearch(ctx, query, topK) };
      }
      if (call.name === REQUEST_ACCESS) {
        const connector = String(call.args?.connector ?? '');
        const reason = String(call.args?.reason ?? '');
        return { status: 'completed', result: await this.catalog.requestAccess(ctx, connector, reason) };
      }
      return {
        status: 'failed',
        error: {
          code: 'tool_not_found',
          message: `Unknown tool "${call.name}"; use ${SEARCH_TOOLS} and ${EXECUTE_TOOL}`,
        },
      };
    } catch (err) {
      const code = err instanceof ToolExecutionError ? err.code : 'tool_failed';
      return { status: 'failed', error: { code, message: (err as Error).message } };
    }
  }

  private async runExecute(ctx: ToolRunContext, id: string, call: LlmToolCall): Promise<MetaCallResult> {
    const c = await this.routeExecute(ctx, id, call);
    ctx.emit?.('tool_call_start', {
      tool_call_id: id,
      name: EXECUTE_TOOL,
      connector: c.connector,
      tool: c.qualified,
      args: c.shownArgs,
    });
    const pre = await this.preflight.check(ctx, c.tool, c.requested, c.args);
    let o: ToolOutcome;
    if (pre.stop) {
      o = await this.stopCall(c, pre.stop);
    } else if (pre.verdict.decision === 'approve') {
      o = await this.approveAndRun(ctx, c, pre.verdict);
    } else {
      await this.repo.insertToolCall({ ...c.base, status: 'running', policy: policyRecord(pre.verdict) });
      o = await this.executor.executeAndStore(ctx.orgId, id, c.tool!, c.args);
    }
    ctx.emit?.('tool_result', toolResultEvent(id, o));
    const summary: StoredToolCallSummary = {
      tool_call_id: id,
      name: EXECUTE_TOOL,
      connector: c.connector,
      tool: c.qualified,
      args: c.shownArgs,
      status: o.status,
    };
    return { summary, modelResult: modelResult(o) };
  }

  private async routeExecute(
    ctx: ToolRunContext,
    id: string,
    call: LlmToolCall,
  ): Promise<ExecuteCall & { requested: string }> {
    const { tool, input } = await this.resolver.resolveExecuteCall(ctx.orgId, call.args ?? {}, ctx.conversationRealm);
    const qualified =
      tool?.qualifiedName ??
      (input.connector && !input.tool.includes('.') ? `${input.connector}.${input.tool}` : input.tool);
    const connector =
      tool?.connector ?? input.connector ?? (input.tool.includes('.') ? input.tool.split('.')[0] : null);
    const shownArgs = redact(input.args) as Record<string, unknown>;
    const base: Partial<ToolCallEntity> = {
      id,
      orgId: ctx.orgId,
      conversationId: ctx.conversationId,
      turnId: ctx.turnId,
      messageId: ctx.messageId,
      source: ctx.source,
      name: EXECUTE_TOOL,
      llmCallId: call.id,
      tool: qualified,
      connector,
      sourceId: tool?.sourceId ?? null,
      args: shownArgs,
      effect: tool?.effect ?? null,
      requestedBy: ctx.actor.userId,
    };
    return { id, tool, args: input.args, qualified, connector, shownArgs, base, requested: input.tool };
  }

  /** The call ends before it runs: recorded with the stop's status and error. */
  private async stopCall(c: ExecuteCall, stop: ToolStop): Promise<ToolOutcome> {
    await this.repo.insertToolCall({ ...c.base, ...stoppedFields(stop) });
    return { status: stop.status, error: stop.error, usageMs: 0 };
  }

  /** pending_approval: create the approval, announce it on the stream, wait, then apply the decision. */
  private async approveAndRun(
    ctx: ToolRunContext,
    c: ExecuteCall & { requested: string },
    gate: GateVerdict,
  ): Promise<ToolOutcome> {
    const tool = c.tool!;
    await this.repo.insertToolCall({ ...c.base, status: 'pending_approval', policy: policyRecord(gate) });
    const approval = await this.approvals.create(ctx, c.id, tool, c.args, gate);
    await this.repo.updateToolCall(c.id, { approvalId: approval.id });
    ctx.emit?.('approval_required', {
      approval_id: approval.id,
      tool_call_id: c.id,
      name: EXECUTE_TOOL,
      tool: c.qualified,
      connector: c.connector,
      args: c.shownArgs,
      effect: tool.effect,
      reason: gate.reason,
      expires_at: approval.expiresAt.toISOString(),
    });
    const decision = await this.waiter.wait(approval, ctx.isCancelled);
    ctx.emit?.('approval_resolved', {
      approval_id: approval.id,
      decision: decision.status === 'cancelled' ? 'expired' : decision.status,
      note: decision.note,
    });
    if (decision.status === 'approved') {
      // the org's policies may have changed while the call waited: a deny now still stops it
      const again = await this.preflight.check(ctx, tool, c.requested, c.args);
      if (again.stop) {
        return this.stopApproved(c.id, again.stop);
      }
    }
    return this.outcomes.apply(ctx.orgId, c.id, tool, c.args, decision);
  }

  /** An approved call that the gate now refuses: recorded with the refusal, never run. */
  private async stopApproved(id: string, stop: ToolStop): Promise<ToolOutcome> {
    await this.repo.transitionToolCall(id, ['pending_approval'], stoppedFields(stop));
    return { status: stop.status, error: stop.error, usageMs: 0 };
  }
}
