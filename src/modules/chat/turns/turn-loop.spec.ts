import type { LlmProvider, LlmRequest, LlmStreamEvent, LlmToolCall } from '@libs/llm/llm.port';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ToolRunContext } from 'src/modules/chat/tools/tool-call.types';
import type { ToolRunner } from 'src/modules/chat/tools/tool-runner.service';
import type { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { ModelCall } from './model-call';
import type { TurnContext } from './turn-context';
import { afterModelCall, TurnLoop } from './turn-loop';
import { TurnProgress } from './turn-state';

type Script = (req: LlmRequest, call: number) => LlmStreamEvent[] | Error;

/** A provider that answers each model call from a script. */
class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  readonly model = 'm';
  readonly requests: LlmRequest[] = [];
  constructor(private readonly script: Script) {}
  async *stream(req: LlmRequest): AsyncIterable<LlmStreamEvent> {
    this.requests.push({ ...req, messages: [...req.messages] });
    const out = this.script(req, this.requests.length);
    if (out instanceof Error) {
      throw out;
    }
    for (const e of out) {
      await Promise.resolve();
      yield e;
    }
  }
}

const finish = (): LlmStreamEvent => ({
  type: 'finish',
  finishReason: 'stop',
  usage: { inputTokens: 3, outputTokens: 2 },
});
const text = (t: string): LlmStreamEvent[] => [{ type: 'text_delta', delta: t }, finish()];
const toolCall = (id: string, name = 'list_connectors'): LlmStreamEvent => ({
  type: 'tool_call',
  call: { id, name, args: {} },
});

const agent = (maxIterations = 5): ChatAgent => ({
  id: null,
  name: 'default',
  systemPrompt: null,
  model: null,
  realm: null,
  maxIterations,
  approvalDefaults: null,
  connectorsAllowlist: null,
});

function setup(opts: { cancelAfterToolCalls?: number; cancelled?: boolean; orgActive?: boolean } = {}) {
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const ran: LlmToolCall[] = [];
  let cancelled = opts.cancelled ?? false;
  const tools = {
    runMeta: (_ctx: ToolRunContext, call: LlmToolCall) => {
      ran.push(call);
      if (opts.cancelAfterToolCalls && ran.length >= opts.cancelAfterToolCalls) {
        cancelled = true;
      }
      return Promise.resolve({
        summary: {
          tool_call_id: `tc_${ran.length}`,
          name: call.name,
          connector: null,
          tool: call.name,
          args: {},
          status: 'completed',
        },
        modelResult: { ok: true },
      });
    },
  };
  const orgs = { isActive: () => Promise.resolve(opts.orgActive ?? true) };
  const loop = new TurnLoop(new ModelCall(), tools as unknown as ToolRunner, orgs as unknown as OrgsRepository);
  const ctx: TurnContext = {
    system: 'sys',
    messages: [{ role: 'user', content: 'hi' }],
    tools: {
      orgId: 'org-1',
      emit: (event: string, data: Record<string, unknown>) => events.push({ event, data }),
    } as unknown as ToolRunContext,
    isCancelled: () => Promise.resolve(cancelled),
  };
  return { loop, ctx, events, ran, progress: new TurnProgress() };
}

describe('TurnLoop (the turn state machine)', () => {
  it('ends with end_turn when the model answers without tool calls', async () => {
    const { loop, ctx, progress, events } = setup();
    const provider = new ScriptedProvider(() => text('hello'));
    await loop.iterate(provider, agent(), ctx, progress, new AbortController().signal);
    expect(progress.finish).toBe('end_turn');
    expect(progress.error).toBeNull();
    expect(progress.content).toBe('hello');
    expect(progress.usage).toEqual({ inputTokens: 3, outputTokens: 2 });
    expect(events).toEqual([{ event: 'content_delta', data: { delta: 'hello' } }]);
  });

  it('runs the tool calls, feeds their results back and calls the model again', async () => {
    const { loop, ctx, progress, ran } = setup();
    const provider = new ScriptedProvider((_req, n) =>
      n === 1 ? [toolCall('a'), toolCall('b'), finish()] : text('done'),
    );
    await loop.iterate(provider, agent(), ctx, progress, new AbortController().signal);
    expect(ran.map((c) => c.id)).toEqual(['a', 'b']);
    expect(progress.summaries).toHaveLength(2);
    expect(progress.finish).toBe('end_turn');
    const second = provider.requests[1].messages;
    expect(second.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
  });

  it('after maxIterations rounds of tools, calls the model once more without tools and ends max_iterations', async () => {
    const { loop, ctx, progress, ran } = setup();
    const provider = new ScriptedProvider(() => [toolCall(`c${Math.random()}`), finish()]);
    await loop.iterate(provider, agent(2), ctx, progress, new AbortController().signal);
    expect(provider.requests).toHaveLength(3);
    expect(provider.requests.map((r) => r.tools.length > 0)).toEqual([true, true, false]);
    expect(ran).toHaveLength(2);
    expect(progress.finish).toBe('max_iterations');
  });

  it('a cancel before the model call ends the turn cancelled without calling the model', async () => {
    const { loop, ctx, progress } = setup({ cancelled: true });
    const provider = new ScriptedProvider(() => text('never'));
    await loop.iterate(provider, agent(), ctx, progress, new AbortController().signal);
    expect(provider.requests).toHaveLength(0);
    expect(progress.finish).toBe('cancelled');
    expect(progress.error).toBeNull();
  });

  it('a cancel during the tool calls skips the remaining calls', async () => {
    const { loop, ctx, progress, ran } = setup({ cancelAfterToolCalls: 1 });
    const provider = new ScriptedProvider(() => [toolCall('a'), toolCall('b'), finish()]);
    await loop.iterate(provider, agent(), ctx, progress, new AbortController().signal);
    expect(ran.map((c) => c.id)).toEqual(['a']);
    expect(progress.finish).toBe('cancelled');
  });

  it('an org disabled while the turn runs ends it cancelled with org_disabled', async () => {
    const { loop, ctx, progress } = setup({ orgActive: false });
    await loop.iterate(new ScriptedProvider(() => text('x')), agent(), ctx, progress, new AbortController().signal);
    expect(progress.finish).toBe('cancelled');
    expect(progress.error).toEqual({ code: 'org_disabled', message: 'This organization is disabled' });
  });

  it('a failing model call ends the turn with error (code of the provider error)', async () => {
    const { loop, ctx, progress } = setup();
    const err = Object.assign(new Error('rate limited upstream'), { code: 'llm_rate_limited' });
    await loop.iterate(new ScriptedProvider(() => err), agent(), ctx, progress, new AbortController().signal);
    expect(progress.finish).toBe('error');
    expect(progress.error).toEqual({ code: 'llm_rate_limited', message: 'rate limited upstream' });
  });

  it('a model that finishes with an error and no output ends the turn with llm_error', async () => {
    const { loop, ctx, progress } = setup();
    const provider = new ScriptedProvider(() => [
      { type: 'finish', finishReason: 'error', usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
    await loop.iterate(provider, agent(), ctx, progress, new AbortController().signal);
    expect(progress.error).toEqual({ code: 'llm_error', message: 'The model ended with an error' });
  });

  it('a model call aborted by a cancel ends the turn cancelled, not error', async () => {
    const { loop, ctx, progress } = setup();
    const abort = new AbortController();
    abort.abort();
    await loop.iterate(new ScriptedProvider(() => new Error('aborted')), agent(), ctx, progress, abort.signal);
    expect(progress.finish).toBe('cancelled');
    expect(progress.error).toBeNull();
  });
});

describe('afterModelCall', () => {
  const step = { text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 } };
  it('decides the end of an iteration', () => {
    expect(afterModelCall({ ...step, error: { code: 'x', message: 'y' } }, true, true)).toEqual({
      finish: 'cancelled',
    });
    expect(afterModelCall({ ...step, error: { code: 'x', message: 'y' } }, true, false)).toMatchObject({
      finish: 'error',
    });
    expect(afterModelCall({ ...step, toolCalls: [{ id: 'a', name: 'n', args: {} }] }, false, false)).toEqual({
      finish: 'max_iterations',
    });
    expect(afterModelCall(step, true, false)).toEqual({ finish: 'end_turn' });
    expect(afterModelCall({ ...step, toolCalls: [{ id: 'a', name: 'n', args: {} }] }, true, false)).toBeNull();
  });
});
