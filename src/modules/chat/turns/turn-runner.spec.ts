import type { LlmProviderFactory } from '@libs/llm/llm.port';
import type { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { ConversationEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ChatSecurity } from 'src/modules/chat/context/chat-security';
import type { TurnContextBuilder } from './turn-context';
import type { TurnEventsService } from './turn-events.service';
import type { TurnFinisher } from './turn-finisher';
import type { TurnLoop } from './turn-loop';
import { TurnRunner } from './turn-runner';
import type { StartTurnInput, TurnProgress } from './turn-state';
import type { TurnWatch } from './turn-watch';

function setup(loopImpl: (progress: TurnProgress) => Promise<void>, llmFails = false) {
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const finished: TurnProgress[] = [];
  const runner = new TurnRunner(
    { build: () => Promise.resolve({}) } as unknown as TurnContextBuilder,
    {
      iterate: (_p: unknown, _a: unknown, _c: unknown, progress: TurnProgress) => loopImpl(progress),
    } as unknown as TurnLoop,
    {
      finish: (_t: unknown, _c: unknown, _i: unknown, progress: TurnProgress) => {
        finished.push(progress);
        return Promise.resolve({ finishReason: progress.finish });
      },
    } as unknown as TurnFinisher,
    {
      emit: (_id: string, event: string, data: Record<string, unknown>) => events.push({ event, data }),
      msSinceLastEvent: () => 0,
    } as unknown as TurnEventsService,
    { isCancelled: () => Promise.resolve(false) } as unknown as ChatRuntime,
    {
      forOrg: () =>
        llmFails
          ? Promise.reject(Object.assign(new Error('no key'), { code: 'llm_unavailable' }))
          : Promise.resolve({}),
    } as unknown as LlmProviderFactory,
    {
      watch: () => ({ signal: new AbortController().signal, stop: () => undefined }),
    } as unknown as TurnWatch,
  );
  const turn = { id: 't1', assistantMessageId: 'm1' } as TurnEntity;
  const run = () =>
    runner.run(
      turn,
      { id: 'c1' } as ConversationEntity,
      { model: null } as ChatAgent,
      {} as ChatSecurity,
      {
        orgId: 'org-1',
      } as StartTurnInput,
    );
  return { run, events, finished };
}

describe('TurnRunner', () => {
  it('emits message_start, runs the loop and always finishes the turn', async () => {
    const { run, events, finished } = setup((p) => (p.end('end_turn'), Promise.resolve()));
    await expect(run()).resolves.toEqual({ finishReason: 'end_turn' });
    expect(events[0]).toEqual({
      event: 'message_start',
      data: { message_id: 'm1', conversation_id: 'c1', turn_id: 't1', role: 'assistant' },
    });
    expect(finished).toHaveLength(1);
  });

  it('an exception in the loop ends the turn with error internal_error (text so far is kept)', async () => {
    const { run, finished } = setup((p) => {
      p.addText('partial', { inputTokens: 1, outputTokens: 1 });
      return Promise.reject(new Error('boom'));
    });
    await run();
    expect(finished[0]).toMatchObject({
      finish: 'error',
      error: { code: 'internal_error', message: 'boom' },
      content: 'partial',
    });
  });

  it('no LLM provider: error with the factory’s code, the turn is still finished', async () => {
    const { run, finished } = setup(() => Promise.resolve(), true);
    await run();
    expect(finished[0]).toMatchObject({ finish: 'error', error: { code: 'llm_unavailable', message: 'no key' } });
  });
});
