import { AuditService } from '@libs/audit';
import type { Principal, Role } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { ToolExecutionError } from '@libs/connectors/connector';
import type { CatalogTool, ToolRouteHints } from '@libs/connectors/tool-catalog.port';
import { SecretBox } from '@libs/crypto';
import { OrgEvents } from '@libs/events';
import type { LlmToolCall } from '@libs/llm/llm.port';
import { EventBus } from '@libs/redis';
import { allowedByAgent, type GateDecision, type GateVerdict, ToolGate } from '@libs/tool-gate';
import { Injectable, Logger } from '@nestjs/common';
import { validateArgs } from './args-validator';
import { catalogRealm, ChatAgent, ChatDeps, ChatSecurity } from './chat.deps';
import { ApprovalEntity, StoredToolCallSummary, ToolCallEntity, ToolCallSource, ToolCallStatus } from './chat.entity';
import { argsHash, newId, redact } from './chat.ids';
import { ChatRepository } from './chat.repository';
import { EXECUTE_TOOL, LIST_CONNECTORS, REQUEST_ACCESS, SEARCH_TOOLS } from './meta-tools';
import { rankTools } from './tool-search';

export interface ToolError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface ToolOutcome {
  status: ToolCallStatus;
  result?: unknown;
  error?: ToolError;
  usageMs?: number;
}

export interface ToolRunContext {
  orgId: string;
  conversationId: string;
  turnId: string | null;
  messageId: string | null;
  source: ToolCallSource;
  actor: ToolActor;
  agent: ChatAgent;
  /**
   * The conversation's realm: it routes a call that fits several sources, and limits the catalog
   * when the agent has a realm (catalogRealm).
   */
  conversationRealm: string | null;
  security: ChatSecurity;
  /** SSE emitter of the running turn (absent for manual calls) */
  emit?: (event: string, data: Record<string, unknown>) => void;
  isCancelled?: () => Promise<boolean>;
}

/** Who triggered the call: a user with their role, or nobody (inbound chat webhook: role null). */
export interface ToolActor {
  userId: string | null;
  email: string | null;
  role: Role | null;
  apiKeyId?: string | null;
}

export function toolActor(p: Principal): ToolActor {
  return { userId: p.userId, email: p.email, role: p.role, apiKeyId: p.apiKeyId ?? null };
}

/** Why a call ends before it runs (not found, denied by the gate, invalid arguments). */
export interface ToolStop {
  status: ToolCallStatus;
  error: ToolError;
  policy?: Record<string, unknown>;
}

export interface ApprovalDecision {
  status: 'approved' | 'denied' | 'expired' | 'cancelled';
  note: string | null;
}

const MAX_MODEL_RESULT_CHARS = 32 * 1024;

/** `{tool, arguments}` (also `{connector, tool, args}`) of execute_connector_tool and the manual endpoint. */
export function parseExecuteInput(raw: Record<string, unknown>): {
  tool: string;
  connector?: string;
  /** picks one of several sources of a connector type: `source_id` beside `tool` or inside `args` */
  sourceId?: string;
  args: Record<string, unknown>;
} {
  const tool = typeof raw.tool === 'string' ? raw.tool : typeof raw.name === 'string' ? raw.name : '';
  const connector = typeof raw.connector === 'string' && raw.connector ? raw.connector : undefined;
  const a = raw.arguments ?? raw.args ?? raw.parameters ?? {};
  const args = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
  const sourceId =
    typeof raw.source_id === 'string' ? raw.source_id : typeof args.source_id === 'string' ? args.source_id : undefined;
  return { tool, connector, sourceId, args };
}

/** The tool's own arguments: a routing `source_id` is dropped unless the tool itself declares one. */
function toolArgs(tool: CatalogTool | undefined, args: Record<string, unknown>): Record<string, unknown> {
  const declared = (tool?.inputSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  if (!('source_id' in args) || 'source_id' in declared) {
    return args;
  }
  const { source_id: _routing, ...rest } = args;
  return rest;
}

export function errorResult(error: ToolError): { error: ToolError } {
  return { error: { code: error.code, message: error.message } };
}

function forModel(result: unknown): unknown {
  const s = JSON.stringify(result ?? null);
  if (s.length <= MAX_MODEL_RESULT_CHARS) {
    return result;
  }
  return { truncated: true, preview: s.slice(0, MAX_MODEL_RESULT_CHARS) };
}

/**
 * Runs tool calls through the gates: Route → (agent allow-list) → Approval → Backend → Result.
 * Shared by the agent loop (meta-tools), the manual tool-call endpoint and turn recovery.
 */
@Injectable()
export class ToolRunner {
  private readonly logger = new Logger(ToolRunner.name);

  constructor(
    private readonly repo: ChatRepository,
    private readonly deps: ChatDeps,
    private readonly bus: EventBus,
    private readonly events: OrgEvents,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly gate: ToolGate,
  ) {}

  /** `{tool}` (qualified or bare) or `{connector, tool}`; several fitting sources are routed by `hints`. */
  resolveTool(
    orgId: string,
    name: string,
    connector?: string,
    hints?: ToolRouteHints,
  ): Promise<CatalogTool | undefined> {
    if (!name) {
      return Promise.resolve(undefined);
    }
    return this.deps.findTool(orgId, connector && !name.includes('.') ? `${connector}.${name}` : name, hints);
  }

  /**
   * The tool a recorded call was made against, by its source id: names can change between the
   * approval request and its decision (a second source of the type renames `kubernetes.x` to
   * `<source>.x`), the source cannot. Falls back to the name for calls recorded without a source.
   */
  async resolveRecorded(
    orgId: string,
    call: Pick<ToolCallEntity, 'sourceId' | 'tool'>,
  ): Promise<CatalogTool | undefined> {
    if (!call.tool) {
      return undefined;
    }
    if (!call.sourceId) {
      return this.resolveTool(orgId, call.tool);
    }
    const name = call.tool.slice(call.tool.lastIndexOf('.') + 1);
    return (await this.deps.listTools(orgId)).find((t) => t.sourceId === call.sourceId && t.name === name);
  }

  /**
   * An `execute_connector_tool` call (from the model or the manual endpoint): its tool, routed by
   * `source_id` and the conversation realm, and the tool's own arguments.
   */
  async resolveExecuteCall(
    orgId: string,
    raw: Record<string, unknown>,
    conversationRealm: string | null,
  ): Promise<{ tool: CatalogTool | undefined; input: ReturnType<typeof parseExecuteInput> }> {
    const parsed = parseExecuteInput(raw);
    const tool = await this.resolveTool(orgId, parsed.tool, parsed.connector, {
      sourceId: parsed.sourceId,
      realm: conversationRealm,
    });
    return { tool, input: { ...parsed, args: toolArgs(tool, parsed.args) } };
  }

  // ---------- agent loop: one meta-tool call ----------

  async runMeta(
    ctx: ToolRunContext,
    call: LlmToolCall,
  ): Promise<{ summary: StoredToolCallSummary; modelResult: unknown }> {
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
    let outcome: ToolOutcome;
    try {
      if (call.name === LIST_CONNECTORS) {
        outcome = { status: 'completed', result: await this.listConnectors(ctx.orgId, ctx) };
      } else if (call.name === SEARCH_TOOLS) {
        outcome = {
          status: 'completed',
          result: await this.searchTools(ctx.orgId, String(call.args?.query ?? ''), Number(call.args?.top_k ?? 5), ctx),
        };
      } else if (call.name === REQUEST_ACCESS) {
        outcome = {
          status: 'completed',
          result: await this.requestAccess(ctx, String(call.args?.connector ?? ''), String(call.args?.reason ?? '')),
        };
      } else {
        outcome = {
          status: 'failed',
          error: {
            code: 'tool_not_found',
            message: `Unknown tool "${call.name}"; use ${SEARCH_TOOLS} and ${EXECUTE_TOOL}`,
          },
        };
      }
    } catch (err) {
      const code = err instanceof ToolExecutionError ? err.code : 'tool_failed';
      outcome = { status: 'failed', error: { code, message: (err as Error).message } };
    }
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
    this.emitResult(ctx, id, outcome);
    return {
      summary: {
        tool_call_id: id,
        name: call.name,
        connector: null,
        tool: call.name,
        args: call.args ?? {},
        status: outcome.status,
      },
      modelResult: this.modelResult(outcome),
    };
  }

  private modelResult(o: ToolOutcome): unknown {
    return o.error ? errorResult(o.error) : forModel(o.result);
  }

  private emitResult(ctx: ToolRunContext, id: string, o: ToolOutcome): void {
    ctx.emit?.('tool_result', {
      tool_call_id: id,
      status: o.status,
      result: o.error ? errorResult(o.error) : (o.result ?? null),
      ...(o.error ? { error: { code: o.error.code, message: o.error.message } } : {}),
      usage_ms: o.usageMs ?? 0,
    });
  }

  private async runExecute(
    ctx: ToolRunContext,
    id: string,
    call: LlmToolCall,
  ): Promise<{ summary: StoredToolCallSummary; modelResult: unknown }> {
    const { tool, input } = await this.resolveExecuteCall(ctx.orgId, call.args ?? {}, ctx.conversationRealm);
    const qualified =
      tool?.qualifiedName ??
      (input.connector && !input.tool.includes('.') ? `${input.connector}.${input.tool}` : input.tool);
    const connector =
      tool?.connector ?? input.connector ?? (input.tool.includes('.') ? input.tool.split('.')[0] : null);
    const shownArgs = redact(input.args) as Record<string, unknown>;
    ctx.emit?.('tool_call_start', {
      tool_call_id: id,
      name: EXECUTE_TOOL,
      connector,
      tool: qualified,
      args: shownArgs,
    });
    const summary = (status: string): StoredToolCallSummary => ({
      tool_call_id: id,
      name: EXECUTE_TOOL,
      connector,
      tool: qualified,
      args: shownArgs,
      status,
    });
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
    const pre = await this.preflight(ctx, tool, input.tool, input.args);
    if (pre.stop) {
      await this.repo.insertToolCall({
        ...base,
        status: pre.stop.status,
        error: pre.stop.error ?? null,
        policy: pre.stop.policy ?? null,
        completedAt: new Date(),
        usageMs: 0,
      });
      const o: ToolOutcome = { status: pre.stop.status, error: pre.stop.error, usageMs: 0 };
      this.emitResult(ctx, id, o);
      return { summary: summary(o.status), modelResult: this.modelResult(o) };
    }
    const gate = pre.verdict;
    const policy = policyRecord(gate);
    if (gate.decision === 'approve') {
      await this.repo.insertToolCall({ ...base, status: 'pending_approval', policy });
      const approval = await this.createApproval(ctx, id, tool!, input.args, gate);
      await this.repo.updateToolCall(id, { approvalId: approval.id });
      ctx.emit?.('approval_required', {
        approval_id: approval.id,
        tool_call_id: id,
        name: EXECUTE_TOOL,
        tool: qualified,
        connector,
        args: shownArgs,
        effect: tool!.effect,
        reason: gate.reason,
        expires_at: approval.expiresAt.toISOString(),
      });
      const decision = await this.waitForDecision(approval, ctx.isCancelled);
      ctx.emit?.('approval_resolved', {
        approval_id: approval.id,
        decision: decision.status === 'cancelled' ? 'expired' : decision.status,
        note: decision.note,
      });
      const o = await this.applyDecision(ctx.orgId, id, tool!, input.args, decision);
      this.emitResult(ctx, id, o);
      return { summary: summary(o.status), modelResult: this.modelResult(o) };
    }
    await this.repo.insertToolCall({ ...base, status: 'running', policy });
    const o = await this.executeAndStore(ctx.orgId, id, tool!, input.args);
    this.emitResult(ctx, id, o);
    return { summary: summary(o.status), modelResult: this.modelResult(o) };
  }

  /**
   * Route, then the gate (role, agent allow-list, policy, approval defaults; audited), then argument
   * validation. A `stop` ends the call without running it; otherwise the gate's verdict (allow or approve).
   */
  async preflight(
    ctx: Pick<
      ToolRunContext,
      'orgId' | 'agent' | 'conversationRealm' | 'security' | 'actor' | 'conversationId' | 'source'
    >,
    tool: CatalogTool | undefined,
    requested: string,
    args: Record<string, unknown>,
  ): Promise<{ stop: ToolStop; verdict?: undefined } | { stop?: undefined; verdict: GateVerdict }> {
    if (tool && !inCatalog(tool, ctx)) {
      tool = undefined;
    }
    if (!tool) {
      return {
        stop: {
          status: 'failed',
          error: {
            code: 'tool_not_found',
            message: `No tool "${requested}" in the catalog; use ${SEARCH_TOOLS} to find one`,
          },
        },
      };
    }
    const verdict = await this.gate.decide({
      orgId: ctx.orgId,
      caller: ctx.actor,
      tool,
      approvalDefaults: ctx.security.approvalDefaults,
      agent: ctx.agent,
      entry: ctx.source,
      context: { conversation_id: ctx.conversationId },
    });
    if (verdict.decision === 'deny') {
      return {
        stop: {
          status: 'denied',
          error: { code: 'policy_denied', message: verdict.reason },
          policy: policyRecord(verdict),
        },
      };
    }
    const problems = validateArgs(tool.inputSchema as Record<string, unknown>, args);
    if (problems.length) {
      return {
        stop: {
          status: 'failed',
          error: { code: 'invalid_arguments', message: problems.join('; '), details: { problems } },
        },
      };
    }
    return { verdict };
  }

  async createApproval(
    ctx: Pick<ToolRunContext, 'orgId' | 'conversationId' | 'turnId' | 'messageId' | 'source' | 'actor' | 'security'>,
    toolCallId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    gate: GateDecision,
  ): Promise<ApprovalEntity> {
    const approval = await this.repo.insertApproval({
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
      source:
        ctx.source === 'manual'
          ? 'manual'
          : ctx.source === 'chat'
            ? 'chat'
            : ctx.source === 'incoming'
              ? 'channel'
              : 'task',
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
    });
    return approval;
  }

  /**
   * Blocks until the approval leaves `pending`: woken by pub/sub on `approval:<id>` (any replica
   * deciding publishes there), re-checking the row every CHAT_APPROVAL_POLL_MS in case a message
   * was lost, and expiring it itself at `expires_at`. `isCancelled` aborts the wait (the approval is expired).
   */
  async waitForDecision(
    approval: Pick<ApprovalEntity, 'id' | 'expiresAt'>,
    isCancelled?: () => Promise<boolean>,
  ): Promise<ApprovalDecision> {
    let settled = false;
    let resolveFn!: (d: ApprovalDecision) => void;
    const result = new Promise<ApprovalDecision>((r) => (resolveFn = r));
    let checking = false;
    let recheck = false;
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe: (() => Promise<void>) | undefined;
    const finish = (d: ApprovalDecision) => {
      if (settled) {
        return;
      }
      settled = true;
      timers.forEach((t) => clearTimeout(t));
      void unsubscribe?.();
      resolveFn(d);
    };
    const check = async (): Promise<void> => {
      if (settled) {
        return;
      }
      if (checking) {
        recheck = true;
        return;
      }
      checking = true;
      try {
        const row = await this.repo.findApprovalById(approval.id);
        if (!row) {
          return finish({ status: 'expired', note: null });
        }
        if (row.status !== 'pending') {
          return finish({ status: row.status, note: row.note });
        }
        if (row.expiresAt.getTime() <= Date.now()) {
          if (await this.repo.expireIfDue(row.id)) {
            await this.publishDecision(row.id, 'expired', null);
          }
          const again = await this.repo.findApprovalById(row.id);
          if (again && again.status !== 'pending') {
            return finish({ status: again.status, note: again.note });
          }
        }
        if (isCancelled && (await isCancelled())) {
          const res = await this.repo.expirePending(row.id);
          if (res) {
            await this.publishDecision(row.id, 'expired', 'turn cancelled');
          }
          const again = await this.repo.findApprovalById(row.id);
          if (again && again.status !== 'pending' && again.status !== 'expired') {
            return finish({ status: again.status, note: again.note });
          }
          return finish({ status: 'cancelled', note: 'turn cancelled' });
        }
      } catch (err) {
        this.logger.warn(`approval check failed: ${(err as Error).message}`);
      } finally {
        checking = false;
        if (recheck && !settled) {
          recheck = false;
          void check();
        }
      }
    };
    try {
      unsubscribe = await this.bus.subscribe(`approval:${approval.id}`, () => void check());
    } catch (err) {
      this.logger.warn(`approval subscribe failed (polling only): ${(err as Error).message}`);
    }
    const poll = () => {
      if (settled) {
        return;
      }
      void check().finally(() => {
        if (!settled) {
          timers.push(setTimeout(poll, this.config.chat.approvalPollMs));
        }
      });
    };
    poll();
    const untilExpiry = approval.expiresAt.getTime() - Date.now();
    timers.push(setTimeout(() => void check(), Math.max(0, untilExpiry) + 25));
    return result;
  }

  /** The full (unredacted) arguments an approval was raised for. */
  async approvedArgs(approvalId: string): Promise<Record<string, unknown>> {
    const sealed = await this.repo.sealedArgs(approvalId);
    return sealed ? this.box.openJson<Record<string, unknown>>(sealed) : {};
  }

  async publishDecision(approvalId: string, status: string, note: string | null): Promise<void> {
    await this.bus.publish(`approval:${approvalId}`, { approval_id: approvalId, status, note }).catch(() => undefined);
  }

  /** Turns a decision into the tool call's outcome; an approved call runs once (pending_approval → running is conditional). */
  async applyDecision(
    orgId: string,
    toolCallId: string,
    tool: CatalogTool | undefined,
    args: Record<string, unknown>,
    d: ApprovalDecision,
  ): Promise<ToolOutcome> {
    if (d.status === 'approved') {
      if (!tool) {
        const o: ToolOutcome = {
          status: 'failed',
          error: { code: 'tool_not_found', message: 'The approved tool is no longer in the catalog' },
          usageMs: 0,
        };
        await this.repo.transitionToolCall(toolCallId, ['pending_approval'], {
          status: 'failed',
          error: o.error,
          completedAt: new Date(),
        });
        return o;
      }
      if (!(await this.repo.transitionToolCall(toolCallId, ['pending_approval'], { status: 'running' }))) {
        return this.storedOutcome(orgId, toolCallId);
      }
      return this.executeAndStore(orgId, toolCallId, tool, args, true);
    }
    const error: ToolError =
      d.status === 'denied'
        ? { code: 'policy_denied', message: d.note ? `Denied by approver: ${d.note}` : 'Denied by approver' }
        : d.status === 'cancelled'
          ? { code: 'cancelled', message: 'The turn was cancelled while waiting for approval' }
          : { code: 'approval_expired', message: 'No decision before the approval expired' };
    const status: ToolCallStatus = d.status === 'denied' ? 'denied' : d.status === 'cancelled' ? 'failed' : 'expired';
    await this.repo.transitionToolCall(toolCallId, ['pending_approval', 'running'], {
      status,
      error,
      completedAt: new Date(),
      usageMs: 0,
    });
    return this.storedOutcome(orgId, toolCallId);
  }

  async storedOutcome(orgId: string, toolCallId: string): Promise<ToolOutcome> {
    const row = await this.repo.findToolCall(orgId, toolCallId);
    if (!row) {
      return { status: 'failed', error: { code: 'tool_failed', message: 'tool call vanished' } };
    }
    return {
      status: row.status,
      result: row.result ?? undefined,
      error: row.error ?? undefined,
      usageMs: row.usageMs ?? 0,
    };
  }

  /** Runs the backend with a timeout and stores the outcome on the tool call row (already `running`). */
  async executeAndStore(
    orgId: string,
    toolCallId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    approved = false,
  ): Promise<ToolOutcome> {
    const started = Date.now();
    const ctrl = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let outcome: ToolOutcome;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort();
          reject(
            new ToolExecutionError(
              'tool_timeout',
              `${tool.qualifiedName} did not answer within ${this.config.chat.toolTimeoutMs} ms`,
            ),
          );
        }, this.config.chat.toolTimeoutMs);
      });
      const result = await Promise.race([this.deps.executeTool(orgId, tool, args, ctrl.signal), timeout]);
      outcome = { status: 'completed', result: result ?? null };
    } catch (err) {
      const e = err as { code?: unknown; message?: string; details?: Record<string, unknown> };
      const code = err instanceof ToolExecutionError || typeof e.code === 'string' ? String(e.code) : 'tool_failed';
      outcome = {
        status: 'failed',
        error: {
          code,
          message: e.message ?? 'tool failed',
          ...(e.details && Object.keys(e.details).length ? { details: e.details } : {}),
        },
      };
    } finally {
      if (timer) {
        clearTimeout(timer);
      }
    }
    outcome.usageMs = Date.now() - started;
    await this.repo.updateToolCall(toolCallId, {
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      usageMs: outcome.usageMs,
      completedAt: new Date(),
    });
    await this.audit.record({
      orgId,
      category: 'tool',
      action: 'chat.tool.execute',
      result: outcome.status === 'completed' ? 'success' : 'failure',
      target: { type: 'tool', id: tool.qualifiedName, tool_call_id: toolCallId },
      details: { effect: tool.effect, approved, usage_ms: outcome.usageMs, error_code: outcome.error?.code },
    });
    return outcome;
  }

  // ---------- the other meta-tools ----------

  /** Viewers see read tools only (tools-and-catalog.md §4); the gate refuses the others anyway. */
  private visible(tools: CatalogTool[], scope: CatalogScope): CatalogTool[] {
    return tools.filter(
      (t) =>
        allowedByAgent(scope.agent, t) &&
        inCatalog(t, scope) &&
        (scope.actor?.role !== 'viewer' || t.effect === 'read'),
    );
  }

  async listConnectors(orgId: string, scope: CatalogScope) {
    const tools = this.visible(await this.deps.listTools(orgId), scope);
    const bySource = new Map<
      string,
      {
        name: string;
        display_name: string;
        connector: string;
        source_id: string;
        realm: string;
        tool_count: number;
        status: string;
      }
    >();
    for (const t of tools) {
      const c = bySource.get(t.sourceId) ?? {
        name: t.sourceName,
        display_name: t.connectorDisplayName,
        connector: t.connector,
        source_id: t.sourceId,
        realm: t.realm,
        tool_count: 0,
        status: 'active',
      };
      c.tool_count += 1;
      bySource.set(t.sourceId, c);
    }
    return { connectors: [...bySource.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async searchTools(orgId: string, query: string, topK: number, scope: CatalogScope) {
    const k = Number.isInteger(topK) && topK > 0 ? Math.min(topK, 20) : 5;
    const tools = this.visible(await this.deps.listTools(orgId), scope);
    return { tools: rankTools(tools, query, k).map((r) => ({ ...toolView(r.tool), score: r.score })) };
  }

  private async requestAccess(ctx: ToolRunContext, connector: string, reason: string) {
    if (!connector.trim()) {
      throw new ToolExecutionError(
        'invalid_arguments',
        '"connector" is required: the connector (or source) you need access to',
      );
    }
    const request = await this.deps.openAccessRequest({
      orgId: ctx.orgId,
      userId: ctx.actor.userId,
      connector: connector.trim(),
      reason,
      conversationId: ctx.conversationId,
    });
    await this.audit.record({
      orgId: ctx.orgId,
      category: 'chat',
      action: 'chat.connector_access.requested',
      result: 'success',
      actor: ctx.actor.userId ? { userId: ctx.actor.userId, email: ctx.actor.email ?? '' } : null,
      target: { type: 'access_request', id: request.id, connector, conversation_id: ctx.conversationId },
      details: { reason },
    });
    return { request_id: request.id, status: request.status };
  }
}

/** What the model may see of the catalog: the agent's allow-list and the conversation's realm. */
export type CatalogScope = Pick<ToolRunContext, 'agent' | 'conversationRealm'> & Partial<Pick<ToolRunContext, 'actor'>>;

/** The gate's verdict as stored on the tool call and returned by the manual endpoint (`policy`). */
export function policyRecord(v: GateVerdict): Record<string, unknown> {
  return { decision: v.decision, policy: v.policy, audit_id: v.auditId };
}

function inCatalog(t: CatalogTool, scope: CatalogScope): boolean {
  const realm = catalogRealm(scope.agent, scope.conversationRealm);
  return !realm || t.realm === realm;
}

export function toolView(t: CatalogTool) {
  return {
    connector: t.connector,
    realm: t.realm,
    source: t.sourceName,
    source_id: t.sourceId,
    tool: t.name,
    name: t.name,
    qualified: t.qualifiedName,
    description: t.description,
    effect: t.effect,
    requires_approval: t.requiresApproval,
    input_schema: t.inputSchema,
  };
}
