import { EventBus } from '@libs/redis';
import { WsGateway } from 'src/modules/ws/ws.gateway';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { openWs, refusedStatus, WsMessage } from '../support/ws-client';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WebSocket (/api/v1/ws): auth, topics, org isolation', () => {
  let t: TestApp;
  let bus: EventBus;
  let gw: WsGateway;
  let a: TestUser;
  let b: TestUser;
  const publish = (orgId: string, type: string, data: Record<string, unknown> = {}) =>
    bus.publish(`org:${orgId}:events`, { type, data, ts: new Date().toISOString() });

  beforeAll(async () => {
    t = await startTestApp();
    bus = t.app.get(EventBus);
    gw = t.app.get(WsGateway);
    a = await registerOwner(t, 'grwa');
    b = await registerOwner(t, 'grwb');
  });
  afterAll(() => t.close());

  it('refuses the upgrade with 401 without a valid token', async () => {
    const none = await refusedStatus(t.baseUrl);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.code).toBe('unauthorized');
    expect((await refusedStatus(t.baseUrl, { token: 'not-a-jwt' })).status).toBe(401);
    expect((await refusedStatus(t.baseUrl, { token: `${a.token}x` })).status).toBe(401);
    expect((await refusedStatus(t.baseUrl, { headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await refusedStatus(t.baseUrl, { token: 'ak_live_bogus' })).status).toBe(401);
  });

  it('accepts ?token=, Authorization: Bearer and Sec-WebSocket-Protocol bearer.<token>, on /api/v1/ws and /ws', async () => {
    const q = await openWs(t.baseUrl, { token: a.token });
    const hello = await q.next((m) => m.type === 'welcome');
    expect(hello.data).toMatchObject({ org_id: a.orgId, user_id: a.userId });
    const h = await openWs(t.baseUrl, { headers: { Authorization: `Bearer ${a.token}` }, path: '/ws' });
    expect((await h.next((m) => m.type === 'welcome')).data?.org_id).toBe(a.orgId);
    const p = await openWs(t.baseUrl, { protocols: [`bearer.${a.token}`] });
    expect(p.ws.protocol).toBe(`bearer.${a.token}`);
    await Promise.all([q.close(), h.close(), p.close()]);
  });

  it('accepts an API key of the org (and refuses a revoked one)', async () => {
    const key = await t
      .http()
      .post('/api/v1/api-keys')
      .set(a.auth)
      .send({ name: 'ws-bot', role: 'viewer' })
      .expect(201);
    const c = await openWs(t.baseUrl, { token: key.body.key });
    expect((await c.next((m) => m.type === 'welcome')).data?.org_id).toBe(a.orgId);
    await c.subscribe(['graph']);
    await publish(a.orgId, 'graph.changed', { via: 'api-key' });
    expect((await c.next((m) => m.type === 'graph.changed')).data).toEqual({ via: 'api-key' });
    // revoked while connected: the next subscribe re-checks the credential and closes with 4401
    await t.http().delete(`/api/v1/api-keys/${key.body.id}`).set(a.auth).expect(204);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    c.send({ type: 'subscribe', topics: ['jobs'] });
    expect((await c.next((m) => m.type === 'error')).data?.code).toBe('unauthorized');
    expect(await closed).toBe(4401);
    expect((await refusedStatus(t.baseUrl, { token: key.body.key })).status).toBe(401);
  });

  it('relays only subscribed topics, with the event envelope', async () => {
    const c = await openWs(t.baseUrl, { token: a.token });
    const ack = await c.subscribe(['graph']);
    expect(ack.data).toMatchObject({ topics: ['graph'] });
    await publish(a.orgId, 'job.progress', { job_id: 'j1', progress: 0.5 });
    await publish(a.orgId, 'graph.changed', { realm: 'infrastructure', nodes_upserted: 3 });
    const ev = await c.next((m) => m.type !== 'welcome');
    expect(ev).toEqual({
      type: 'graph.changed',
      ts: expect.any(String),
      data: { realm: 'infrastructure', nodes_upserted: 3 },
    });
    expect(c.messages.some((m) => m.type === 'job.progress')).toBe(false);

    await c.subscribe(['jobs']);
    await publish(a.orgId, 'job.progress', { job_id: 'j1', progress: 0.75 });
    expect((await c.next((m) => m.type === 'job.progress')).data).toEqual({ job_id: 'j1', progress: 0.75 });

    c.send({ type: 'unsubscribe', topics: ['graph'] });
    expect((await c.next((m) => m.type === 'unsubscribed')).data).toEqual({ topics: ['jobs'] });
    await publish(a.orgId, 'graph.changed', { n: 1 });
    await publish(a.orgId, 'job.completed', { job_id: 'j1' });
    await c.next((m) => m.type === 'job.completed');
    expect(c.messages.filter((m) => m.type === 'graph.changed')).toHaveLength(1);
    await c.close();
  });

  it("never delivers another org's events", async () => {
    const ca = await openWs(t.baseUrl, { token: a.token });
    const cb = await openWs(t.baseUrl, { token: b.token });
    await ca.subscribe(['*']);
    await cb.subscribe(['*']);
    await publish(a.orgId, 'graph.changed', { secret: 'for-a-only' });
    await publish(a.orgId, 'approval.created', { secret: 'for-a-only' });
    await publish(b.orgId, 'graph.changed', { marker: 'b' });
    expect((await ca.next((m) => m.type === 'approval.created')).data).toEqual({ secret: 'for-a-only' });
    const firstB = await cb.next((m) => m.type !== 'welcome' && m.type !== 'subscribed');
    expect(firstB.data).toEqual({ marker: 'b' });
    await sleep(200);
    expect(JSON.stringify(cb.messages)).not.toContain('for-a-only');
    // an event carrying another org's id on this org's channel is dropped too
    await publish(b.orgId, 'graph.changed', { org_id: a.orgId, leak: true });
    await publish(b.orgId, 'graph.changed', { marker: 'b2' });
    await cb.next((m) => m.data?.marker === 'b2');
    expect(cb.messages.some((m) => m.data?.leak)).toBe(false);
    await Promise.all([ca.close(), cb.close()]);
  });

  it('answers ping with pong and reports bad messages and topics', async () => {
    const c = await openWs(t.baseUrl, { token: a.token });
    c.send({ type: 'ping', id: 7 });
    expect(await c.next((m) => m.type === 'pong')).toMatchObject({ type: 'pong', id: 7 });
    c.ws.send('not json');
    expect((await c.next((m) => m.type === 'error')).data?.code).toBe('invalid_message');
    c.send({ type: 'dance' });
    expect((await c.next((m) => m.type === 'error')).data?.code).toBe('unknown_message_type');
    c.send({ type: 'subscribe', topics: ['graph', 'nope', 'job:00000000-0000-4000-8000-000000000000'] });
    const errs: WsMessage[] = [await c.next((m) => m.type === 'error'), await c.next((m) => m.type === 'error')];
    expect(errs.map((e) => e.data?.topic).sort()).toEqual(['job:00000000-0000-4000-8000-000000000000', 'nope']);
    const ack = await c.next((m) => m.type === 'subscribed');
    expect(ack.data).toEqual({ topics: ['graph'], rejected: ['nope', 'job:00000000-0000-4000-8000-000000000000'] });
    await c.close();
  });

  it('holds one Redis subscription per org while clients are connected', async () => {
    const c1 = await openWs(t.baseUrl, { token: a.token });
    const c2 = await openWs(t.baseUrl, { token: a.token });
    await c1.subscribe(['graph']);
    expect(gw.subscribedOrgs()).toContain(a.orgId);
    expect(gw.clientCount(a.orgId)).toBe(2);
    await c1.close();
    await sleep(100);
    expect(gw.subscribedOrgs()).toContain(a.orgId);
    await c2.close();
    for (let i = 0; i < 50 && gw.subscribedOrgs().includes(a.orgId); i++) {
      await sleep(50);
    }
    expect(gw.subscribedOrgs()).not.toContain(a.orgId);
    // and a new client subscribes again
    const c3 = await openWs(t.baseUrl, { token: a.token });
    await c3.subscribe(['graph']);
    await publish(a.orgId, 'graph.changed', { again: true });
    expect((await c3.next((m) => m.type === 'graph.changed')).data).toEqual({ again: true });
    await c3.close();
  });

  it('sends protocol pings and drops clients that miss two pongs', async () => {
    gw.setPingInterval(150);
    try {
      const alive = await openWs(t.baseUrl, { token: a.token });
      let pings = 0;
      alive.ws.on('ping', () => pings++);
      const dead = await openWs(t.baseUrl, { token: a.token, autoPong: false });
      const closed = new Promise<void>((r) => dead.ws.once('close', () => r()));
      await closed;
      expect(pings).toBeGreaterThanOrEqual(2);
      expect(alive.ws.readyState).toBe(alive.ws.OPEN);
      await alive.close();
    } finally {
      gw.setPingInterval(30_000);
    }
  });
});
