import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { ConflictException, ForbiddenException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import type { LlmMessage, LlmProvider, LlmToolCall, LlmUsage } from '@libs/llm/llm.port';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { ChatRuntime } from './chat-runtime.service';
import { ChatAgent, ChatDeps, ChatSecurity } from './chat.deps';
import {
  ConversationEntity,
  MessageEntity,
  StoredToolCallSummary,
  ToolCallSource,
  TurnEntity,
  TurnKind,
  TurnStatus,
} from './chat.entity';
import { ChatRepository, TurnLockedError } from './chat.repository';
import { DEFAULT_SYSTEM_PROMPT, EXECUTE_TOOL, META_TOOLS } from './meta-tools';
import { errorResult, ToolActor, ToolRunner } from './tool-runner.service';
import { TurnEventsService } from './turn-events.service';

export type FinishReason = 'end_turn' | 'max_iterations' | 'cancelled' | 'error' | 'interrupted';

export interface TurnOutcome {
  turnId: string;
  conversationId: string;
  messageId: string;
  content: string;
  finishReason: FinishReason;
  usage: Record<string, number>;
  toolCalls: StoredToolCallSummary[];
  status: TurnStatus;
}

export interface StartTurnInput {
  orgId: string;
  conversation: ConversationEntity;
  content: string;
  actor: ToolActor;
  kind: TurnKind;
  source: ToolCallSource;
}

export interface StartedTurn {
  turn: TurnEntity;
  userMessage: MessageEntity | null;
  done: Promise<TurnOutcome>;
}

const STATUS_OF: Record<FinishReason, TurnStatus> = {
  end_turn: 'completed',
  max_iterations: 'completed',
  cancelled: 'cancelled',
  error: 'failed',
  interrupted: 'interrupted',
};

/**
 * Runs chat turns: one agent loop for every entry point (chat SSE, agent runs, inbound webhooks).
 * A turn runs detached from any HTTP response; its events go through TurnEventsService, its results
 * to PostgreSQL. The sweeper (also run at boot) expires due approvals and adopts turns whose replica
 * died: see docs/chat.md "Restarts".
 */
@Injectable()
export class TurnsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TurnsService.name);
  private readonly active = new Map<string, Promise<TurnOutcome>>();
  private readonly adopting = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly repo: ChatRepository,
    private readonly deps: ChatDeps,
    private readonly tools: ToolRunner,
    private readonly events: TurnEventsService,
    private readonly runtime: ChatRuntime,
    private readonly audit: AuditService,
    private readonly orgEvents: OrgEvents,
    private readonly config: AppConfig,
    private readonly orgs: OrgsRepository,
  ) {}

  // ---------- start ----------

  async start(input: StartTurnInput): Promise<StartedTurn> {
    const { orgId, conversation } = input;
    // every entry point (chat, agent runs, inbound webhooks) starts here, with or without a user request
    if (!(await this.orgs.isActive(orgId))) {
      throw new ForbiddenException('This organization is disabled', { reason: 'org_disabled' }, 'org_disabled');
    }
    const [agent, security] = await Promise.all([
      this.deps.agent(orgId, conversation.agentId ?? conversation.agent),
      this.deps.security(orgId),
    ]);
    const assistantMessageId = randomUUID();
    let started: { turn: TurnEntity; userMessage: MessageEntity | null };
    try {
      started = await this.repo.startTurn(
        {
          orgId,
          conversationId: conversation.id,
          kind: input.kind,
          agent: agent.name,
          agentId: agent.id,
          status: 'running',
          ownerInstance: this.runtime.instanceId,
          assistantMessageId,
          input: input.content,
          createdBy: input.actor.userId,
        },
        { id: randomUUID(), content: input.content },
      );
    } catch (err) {
      if (err instanceof TurnLockedError) {
        throw new ConflictException(
          'A turn is already running in this conversation',
          { conversation_id: conversation.id },
          'turn_in_progress',
        );
      }
      throw err;
    }
    const turn = started.turn;
    this.events.open(turn.id);
    const done = this.run(turn, conversation, agent, security, input).finally(() => this.active.delete(turn.id));
    this.active.set(turn.id, done);
    return { turn, userMessage: started.userMessage, done };
  }

  isRunningHere(turnId: string): boolean {
    return this.active.has(turnId);
  }

  // ---------- the loop ----------

  private async run(
    turn: TurnEntity,
    conversation: ConversationEntity,
    agent: ChatAgent,
    security: ChatSecurity,
    input: StartTurnInput,
  ): Promise<TurnOutcome> {
    const startedAt = Date.now();
    const emit = (event: string, data: Record<string, unknown>) => {
      this.events.emit(turn.id, event, data);
    };
    const pingMs = this.config.ssePingIntervalMs;
    const ping = setInterval(
      () => {
        if (this.events.msSinceLastEvent(turn.id) >= pingMs) {
          emit('ping', {});
        }
      },
      Math.max(25, Math.floor(pingMs / 4)),
    );
    ping.unref();

    let content = '';
    const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    const summaries: StoredToolCallSummary[] = [];
    let finish: FinishReason;
    let error: { code: string; message: string } | null = null;
    const isCancelled = () => this.runtime.isCancelled(turn.id);
    // a cancel also aborts a model call that is already streaming
    const abort = new AbortController();
    const cancelPoll = setInterval(() => {
      void isCancelled().then(
        (c) => c && abort.abort(),
        () => undefined,
      );
    }, 500);
    cancelPoll.unref();

    try {
      emit('message_start', {
        message_id: turn.assistantMessageId,
        conversation_id: conversation.id,
        turn_id: turn.id,
        role: 'assistant',
      });
      const provider = await this.deps.llm(input.orgId, agent.model);
      const messages = await this.transcript(conversation.id);
      const system = agent.systemPrompt ? `${DEFAULT_SYSTEM_PROMPT}\n\n${agent.systemPrompt}` : DEFAULT_SYSTEM_PROMPT;
      const ctx = {
        orgId: input.orgId,
        conversationId: conversation.id,
        turnId: turn.id,
        messageId: turn.assistantMessageId,
        source: input.source,
        actor: input.actor,
        agent,
        conversationRealm: conversation.realm,
        security,
        emit,
        isCancelled,
      };
      outer: for (let iteration = 0; ; iteration++) {
        if (await isCancelled()) {
          finish = 'cancelled';
          break;
        }
        // an org disabled while its turn runs stops at the next model call
        if (!(await this.orgs.isActive(input.orgId))) {
          finish = 'cancelled';
          error = { code: 'org_disabled', message: 'This organization is disabled' };
          break;
        }
        const withTools = iteration < agent.maxIterations;
        const step = await this.callModel(
          provider,
          { system, messages, withTools, model: agent.model ?? undefined, signal: abort.signal },
          emit,
        );
        content += step.text;
        usage.inputTokens += step.usage.inputTokens;
        usage.outputTokens += step.usage.outputTokens;
        if (step.error && abort.signal.aborted) {
          finish = 'cancelled';
          break;
        }
        if (step.error) {
          finish = 'error';
          error = step.error;
          break;
        }
        if (!withTools) {
          finish = 'max_iterations';
          break;
        }
        if (!step.toolCalls.length) {
          finish = 'end_turn';
          break;
        }
        messages.push({ role: 'assistant', content: step.text, toolCalls: step.toolCalls });
        for (const call of step.toolCalls) {
          const r = await this.tools.runMeta(ctx, call);
          summaries.push(r.summary);
          messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: r.modelResult });
          if (await isCancelled()) {
            finish = 'cancelled';
            break outer;
          }
        }
      }
    } catch (err) {
      finish = 'error';
      const e = err as { code?: string; message?: string };
      error = { code: typeof e.code === 'string' ? e.code : 'internal_error', message: e.message ?? 'turn failed' };
      this.logger.warn(`turn ${turn.id} failed: ${error.message}`);
    } finally {
      clearInterval(ping);
      clearInterval(cancelPoll);
    }
    if (error) {
      emit('error', error);
    }
    const usageOut = {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      tool_calls: summaries.length,
      duration_ms: Date.now() - startedAt,
    };
    const outcome: TurnOutcome = {
      turnId: turn.id,
      conversationId: conversation.id,
      messageId: turn.assistantMessageId,
      content,
      finishReason: finish,
      usage: usageOut,
      toolCalls: summaries,
      status: STATUS_OF[finish],
    };
    try {
      await this.repo.insertMessage({
        id: turn.assistantMessageId,
        orgId: input.orgId,
        conversationId: conversation.id,
        turnId: turn.id,
        role: 'assistant',
        content,
        toolCalls: summaries,
        finishReason: finish,
        usage: usageOut,
      });
      await this.repo.touchConversation(conversation.id);
      await this.repo.finishTurn(turn.id, this.runtime.instanceId, {
        status: outcome.status,
        finishReason: finish,
        output: content,
        usage: usageOut,
        error,
      });
    } catch (err) {
      this.logger.error(`storing turn ${turn.id} failed: ${(err as Error).message}`);
    }
    emit('message_end', { finish_reason: finish, usage: usageOut, message_id: turn.assistantMessageId });
    await this.events.end(turn.id);
    if (input.kind !== 'chat') {
      await this.orgEvents.publish(input.orgId, 'agent_run.finished', {
        run_id: turn.id,
        conversation_id: conversation.id,
        status: outcome.status,
      });
    }
    return outcome;
  }

  private async callModel(
    provider: LlmProvider,
    req: { system: string; messages: LlmMessage[]; withTools: boolean; model?: string; signal?: AbortSignal },
    emit: (event: string, data: Record<string, unknown>) => void,
  ): Promise<{ text: string; toolCalls: LlmToolCall[]; usage: LlmUsage; error?: { code: string; message: string } }> {
    let text = '';
    const toolCalls: LlmToolCall[] = [];
    const usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
    try {
      for await (const ev of provider.stream({
        system: req.system,
        messages: req.messages,
        tools: req.withTools ? META_TOOLS : [],
        model: req.model,
        signal: req.signal,
      })) {
        if (ev.type === 'text_delta') {
          if (!ev.delta) {
            continue;
          }
          text += ev.delta;
          emit('content_delta', { delta: ev.delta });
        } else if (ev.type === 'tool_call') {
          // provider metadata (e.g. Gemini thought signatures) must travel back with the call
          if (req.withTools) {
            toolCalls.push({ ...ev.call, id: ev.call.id || randomUUID(), args: ev.call.args ?? {} });
          }
        } else if (ev.type === 'finish') {
          usage.inputTokens += ev.usage?.inputTokens ?? 0;
          usage.outputTokens += ev.usage?.outputTokens ?? 0;
          if (ev.finishReason === 'error' && !text && !toolCalls.length) {
            return { text, toolCalls, usage, error: { code: 'llm_error', message: 'The model ended with an error' } };
          }
        }
      }
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return {
        text,
        toolCalls: [],
        usage,
        error: { code: typeof e.code === 'string' ? e.code : 'llm_error', message: e.message ?? 'LLM request failed' },
      };
    }
    return { text, toolCalls, usage };
  }

  /** The conversation as the model sees it (user/assistant text; manual tool calls as call + result). */
  private async transcript(conversationId: string): Promise<LlmMessage[]> {
    const rows = await this.repo.transcript(conversationId);
    const out: LlmMessage[] = [];
    for (const m of rows) {
      if (m.role === 'user') {
        out.push({ role: 'user', content: m.content });
      } else if (m.role === 'assistant' && m.content) {
        out.push({ role: 'assistant', content: m.content });
      } else if (m.role === 'tool' && m.toolCallId) {
        const call = m.toolCalls?.[0];
        let parsed: unknown = m.content;
        try {
          parsed = JSON.parse(m.content);
        } catch {
          /* plain text */
        }
        out.push({
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: m.toolCallId, name: EXECUTE_TOOL, args: { tool: call?.tool ?? '', arguments: call?.args ?? {} } },
          ],
        });
        out.push({ role: 'tool', toolCallId: m.toolCallId, toolName: EXECUTE_TOOL, content: parsed });
      } else if (m.role === 'system' && m.content) {
        out.push({ role: 'user', content: `[context] ${m.content}` });
      }
    }
    return out;
  }

  // ---------- cancel ----------

  async cancel(orgId: string, conversationId: string): Promise<TurnEntity | null> {
    const turn = await this.repo.runningTurn(conversationId);
    if (!turn || turn.orgId !== orgId) {
      return null;
    }
    await this.runtime.requestCancel(turn.id);
    return turn;
  }

  // ---------- sweeper + recovery ----------

  onApplicationBootstrap() {
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.config.chat.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  onModuleDestroy() {
    this.stopped = true;
    if (this.sweepTimer) {
      clearInterval(this.sweepTimer);
    }
  }

  /** Expires due approvals (waking their waiters) and adopts turns whose replica is gone. */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) {
      return;
    }
    this.sweeping = true;
    try {
      for (const a of await this.repo.expireDue()) {
        await this.tools.publishDecision(a.id, 'expired', null);
        await this.audit.record({
          orgId: a.orgId,
          category: 'approval',
          action: 'approval.expired',
          result: 'success',
          target: { type: 'approval', id: a.id, tool: a.tool, conversation_id: a.conversationId },
        });
        if (a.source === 'manual') {
          await this.tools.applyDecision(a.orgId, a.toolCallId, undefined, {}, { status: 'expired', note: null });
        }
      }
      for (const turn of await this.repo.runningTurns()) {
        if (
          this.active.has(turn.id) ||
          this.adopting.has(turn.id) ||
          !this.runtime.sameDeployment(turn.ownerInstance)
        ) {
          continue;
        }
        if (turn.ownerInstance !== this.runtime.instanceId && (await this.runtime.isAlive(turn.ownerInstance))) {
          continue;
        }
        if (!(await this.repo.adoptTurn(turn.id, turn.ownerInstance, this.runtime.instanceId))) {
          continue;
        }
        this.adopting.add(turn.id);
        void this.closeOrphan(turn)
          .catch((err) => this.logger.error(`recovering turn ${turn.id} failed: ${(err as Error).message}`))
          .finally(() => this.adopting.delete(turn.id));
      }
    } catch (err) {
      if (!this.stopped) {
        this.logger.warn(`chat sweep failed: ${(err as Error).message}`);
      }
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * A turn left `running` by a dead replica: tool calls waiting for an approval keep waiting (the
   * approval stays decidable) and are then executed (approved) or recorded as denied/expired; calls
   * caught mid-execution are recorded as failed (`interrupted`). Then the assistant message is stored
   * with the text streamed so far and finish_reason `interrupted`, and the turn ends `interrupted`.
   * Events are appended to the turn's Redis stream so re-attached clients see the end.
   */
  private async closeOrphan(turn: TurnEntity): Promise<void> {
    this.logger.log(`adopting turn ${turn.id} of dead replica ${turn.ownerInstance}`);
    const calls = await this.repo.toolCallsOfTurn(turn.id);
    for (const call of calls) {
      if (call.status === 'pending_approval' && call.approvalId) {
        const approval = await this.repo.findApprovalById(call.approvalId);
        if (!approval) {
          continue;
        }
        const decision = await this.tools.waitForDecision(approval);
        await this.events
          .appendRemote(turn.id, 'approval_resolved', {
            approval_id: approval.id,
            decision: decision.status,
            note: decision.note,
          })
          .catch(() => undefined);
        const args = await this.tools.approvedArgs(approval.id);
        const tool = await this.tools.resolveRecorded(turn.orgId, call);
        const o = await this.tools.applyDecision(turn.orgId, call.id, tool, args, decision);
        await this.events
          .appendRemote(turn.id, 'tool_result', {
            tool_call_id: call.id,
            status: o.status,
            result: o.error ? errorResult(o.error) : (o.result ?? null),
            ...(o.error ? { error: o.error } : {}),
            usage_ms: o.usageMs ?? 0,
          })
          .catch(() => undefined);
      } else if (call.status === 'running') {
        const error = {
          code: 'interrupted',
          message: 'The API process running this tool call stopped before it finished',
        };
        await this.repo.transitionToolCall(call.id, ['running'], { status: 'failed', error, completedAt: new Date() });
        await this.events
          .appendRemote(turn.id, 'tool_result', {
            tool_call_id: call.id,
            status: 'failed',
            result: errorResult(error),
            error,
          })
          .catch(() => undefined);
      }
    }
    const finalCalls = await this.repo.toolCallsOfTurn(turn.id);
    const summaries: StoredToolCallSummary[] = finalCalls.map((c) => ({
      tool_call_id: c.id,
      name: c.name,
      connector: c.connector,
      tool: c.tool,
      args: c.args,
      status: c.status,
    }));
    let content = '';
    try {
      for (const e of await this.events.backlog(turn.id, 0)) {
        if (e.event === 'content_delta' && typeof e.data.delta === 'string') {
          content += e.data.delta;
        }
      }
    } catch {
      /* stream gone: store without text */
    }
    const usage = {
      input_tokens: 0,
      output_tokens: 0,
      tool_calls: summaries.length,
      duration_ms: Date.now() - turn.createdAt.getTime(),
    };
    const exists = await this.repo.findMessage(turn.assistantMessageId);
    if (!exists) {
      await this.repo.insertMessage({
        id: turn.assistantMessageId,
        orgId: turn.orgId,
        conversationId: turn.conversationId,
        turnId: turn.id,
        role: 'assistant',
        content,
        toolCalls: summaries,
        finishReason: 'interrupted',
        usage,
      });
    }
    await this.repo.touchConversation(turn.conversationId);
    await this.repo.finishTurn(turn.id, this.runtime.instanceId, {
      status: 'interrupted',
      finishReason: 'interrupted',
      output: content,
      usage,
      error: { code: 'interrupted', message: 'The API process running this turn stopped' },
    });
    await this.events
      .appendRemote(turn.id, 'message_end', {
        finish_reason: 'interrupted',
        usage,
        message_id: turn.assistantMessageId,
      })
      .catch(() => undefined);
    await this.audit.record({
      orgId: turn.orgId,
      category: 'chat',
      action: 'chat.turn.recovered',
      result: 'success',
      target: { type: 'turn', id: turn.id, conversation_id: turn.conversationId },
      details: { previous_owner: turn.ownerInstance, tool_calls: summaries.length },
    });
  }
}
