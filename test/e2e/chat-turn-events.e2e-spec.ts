import { RedisService } from '@libs/redis';
import { randomUUID } from 'node:crypto';
import { TurnEventsService } from 'src/modules/chat/turns/turn-events.service';
import { startTestApp, TestApp } from '../setup/test-app';

/** The Redis mirror of a turn's events (what other replicas replay and follow), on real Redis. */
describe('turn events: the Redis stream of a running turn', () => {
  let t: TestApp;
  let events: TurnEventsService;
  let redis: RedisService;

  beforeAll(async () => {
    t = await startTestApp();
    events = t.app.get(TurnEventsService, { strict: false });
    redis = t.app.get(RedisService);
  }, 60_000);
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
  });

  it('holds every event in order, with a TTL, and sends a burst of deltas in a few round trips', async () => {
    const turnId = randomUUID();
    const rounds = {
      xadd: jest.spyOn(redis.client, 'xadd'),
      multi: jest.spyOn(redis.client, 'multi'),
      pipeline: jest.spyOn(redis.client, 'pipeline'),
    };
    events.open(turnId);
    events.emit(turnId, 'message_start', { message_id: 'm1' });
    // a model streaming faster than Redis answers: 300 deltas in one tick, then some one per tick
    for (let i = 0; i < 300; i++) {
      events.emit(turnId, 'content_delta', { delta: `d${i}` });
    }
    for (let i = 300; i < 310; i++) {
      await new Promise((r) => setImmediate(r));
      events.emit(turnId, 'content_delta', { delta: `d${i}` });
    }
    events.emit(turnId, 'message_end', { finish_reason: 'end_turn' });
    await events.end(turnId);

    const stored = await events.backlog(turnId);
    expect(stored.map((e) => e.id)).toEqual(Array.from({ length: 312 }, (_, i) => i + 1));
    expect(stored[0]).toMatchObject({ event: 'message_start', data: { message_id: 'm1' } });
    expect(stored.slice(1, 311).map((e) => e.data.delta)).toEqual(Array.from({ length: 310 }, (_, i) => `d${i}`));
    expect(stored[311].event).toBe('message_end');
    expect(await redis.client.ttl(events.streamKey(turnId))).toBeGreaterThan(0);
    const trips =
      rounds.xadd.mock.calls.filter(([key]) => key === events.streamKey(turnId)).length +
      rounds.multi.mock.calls.length +
      rounds.pipeline.mock.calls.length;
    expect(trips).toBeLessThan(30);
  });

  it('an event queued after a failed round is still appended, in order', async () => {
    const turnId = randomUUID();
    events.open(turnId);
    const multi = jest.spyOn(redis.client, 'multi').mockImplementationOnce(() => {
      throw new Error('redis down');
    });
    events.emit(turnId, 'message_start', {});
    await new Promise((r) => setTimeout(r, 20));
    multi.mockRestore();
    events.emit(turnId, 'content_delta', { delta: 'after' });
    events.emit(turnId, 'message_end', {});
    await events.end(turnId);
    const stored = await events.backlog(turnId);
    expect(stored.map((e) => [e.id, e.event])).toEqual([
      [2, 'content_delta'],
      [3, 'message_end'],
    ]);
    expect(await redis.client.ttl(events.streamKey(turnId))).toBeGreaterThan(0);
  });
});
