import { TurnsService } from './turns.service';

describe('TurnsService.isRunningHere', () => {
  it('covers a turn from before its row is inserted until it ends, so the sweeper never adopts it meanwhile', async () => {
    let insert!: (rows: unknown) => void;
    let finish!: (outcome: unknown) => void;
    const repo = {
      startTurn: () => new Promise((resolve) => (insert = resolve)),
    };
    const runner = { run: () => new Promise((resolve) => (finish = resolve)) };
    const turns = new TurnsService(
      repo as never,
      { agent: async () => ({ id: 'a1', name: 'default', maxIterations: 5, approvalDefaults: null }) } as never,
      { security: async () => ({}) } as never,
      runner as never,
      { open: () => undefined } as never,
      { instanceId: 'me' } as never,
      { isActive: async () => true } as never,
    );
    const conversation = { id: 'c1', agentId: null, agent: 'default' };
    const row = { id: 't1', conversationId: 'c1' };
    const started = turns.start({
      orgId: 'o1',
      conversation,
      content: 'hi',
      actor: { userId: 'u1' },
      kind: 'chat',
    } as never);

    // the sweeper can already read the row (another connection) before the insert resolves here
    for (let i = 0; i < 10 && !insert; i++) {
      await new Promise((r) => setImmediate(r));
    }
    expect(turns.isRunningHere(row)).toBe(true);
    expect(turns.isRunningHere({ id: 't-other', conversationId: 'c-other' })).toBe(false);

    insert({ turn: row, userMessage: null });
    const { done } = await started;
    expect(turns.isRunningHere(row)).toBe(true);

    finish({ finishReason: 'end_turn' });
    await done;
    expect(turns.isRunningHere(row)).toBe(false);
  });
});
