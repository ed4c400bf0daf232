import type { LlmProvider, LlmToolCall } from '@libs/llm/llm.port';
import { Injectable } from '@nestjs/common';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import { ToolRunner } from 'src/modules/chat/tools/tool-runner.service';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { ModelCall, type ModelStep } from './model-call';
import type { TurnContext } from './turn-context';
import type { FinishReason, TurnError, TurnProgress } from './turn-state';

/** How an iteration ended: the turn's finish (and error), or `null` to call the model again. */
type IterationEnd = { finish: FinishReason; error?: TurnError } | null;

/**
 * The agent loop of one turn: check → model call → tool calls → again, until the model answers
 * without tool calls (`end_turn`), the last allowed iteration ran without tools (`max_iterations`),
 * the turn is cancelled or its org disabled (`cancelled`), or the model call fails (`error`).
 */
@Injectable()
export class TurnLoop {
  constructor(
    private readonly model: ModelCall,
    private readonly tools: ToolRunner,
    private readonly orgs: OrgsRepository,
  ) {}

  async iterate(
    provider: LlmProvider,
    agent: ChatAgent,
    ctx: TurnContext,
    progress: TurnProgress,
    abort: AbortSignal,
  ): Promise<void> {
    for (let iteration = 0; ; iteration++) {
      const end =
        (await this.beforeModelCall(ctx)) ?? (await this.step(provider, agent, ctx, progress, abort, iteration));
      if (end) {
        progress.end(end.finish, end.error ?? null);
        return;
      }
    }
  }

  /** A cancel request, or an org disabled while its turn runs, stops the turn before the next model call. */
  async beforeModelCall(ctx: TurnContext): Promise<IterationEnd> {
    if (await ctx.isCancelled()) {
      return { finish: 'cancelled' };
    }
    if (!(await this.orgs.isActive(ctx.tools.orgId))) {
      return { finish: 'cancelled', error: { code: 'org_disabled', message: 'This organization is disabled' } };
    }
    return null;
  }

  private async step(
    provider: LlmProvider,
    agent: ChatAgent,
    ctx: TurnContext,
    progress: TurnProgress,
    abort: AbortSignal,
    iteration: number,
  ): Promise<IterationEnd> {
    const withTools = iteration < agent.maxIterations;
    const step = await this.model.call(
      provider,
      { system: ctx.system, messages: ctx.messages, withTools, model: agent.model ?? undefined, signal: abort },
      ctx.tools.emit!,
    );
    progress.addText(step.text, step.usage);
    const end = afterModelCall(step, withTools, abort.aborted);
    if (end) {
      return end;
    }
    ctx.messages.push({ role: 'assistant', content: step.text, toolCalls: step.toolCalls });
    return (await this.runToolCalls(ctx, progress, step.toolCalls)) ? { finish: 'cancelled' } : null;
  }

  /** Runs the calls in order; true when the turn was cancelled after one of them (the rest are skipped). */
  private async runToolCalls(ctx: TurnContext, progress: TurnProgress, calls: LlmToolCall[]): Promise<boolean> {
    for (const call of calls) {
      const r = await this.tools.runMeta(ctx.tools, call);
      progress.summaries.push(r.summary);
      ctx.messages.push({ role: 'tool', toolCallId: call.id, toolName: call.name, content: r.modelResult });
      if (await ctx.isCancelled()) {
        return true;
      }
    }
    return false;
  }
}

/** The turn's end decided by a model step, or null when its tool calls must run. */
export function afterModelCall(step: ModelStep, withTools: boolean, aborted: boolean): IterationEnd {
  if (step.error && aborted) {
    return { finish: 'cancelled' };
  }
  if (step.error) {
    return { finish: 'error', error: step.error };
  }
  if (!withTools) {
    return { finish: 'max_iterations' };
  }
  if (!step.toolCalls.length) {
    return { finish: 'end_turn' };
  }
  return null;
}
