import { EventBus } from '@libs/redis';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { spawnApiProcess, SpawnedApi } from '../support/spawn-api';
import { openWs, refusedStatus } from '../support/ws-client';

/**
 * Two API processes share PostgreSQL and Redis: an event published in process A (this jest
 * process) reaches a WebSocket client connected to process B (a child process running
 * src/main.ts), and only for the event's org.
 */
describe('WebSocket fan-out across two API processes', () => {
  let a: TestApp;
  let b: SpawnedApi;
  let orgA: TestUser;
  let orgB: TestUser;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp(), spawnApiProcess()]);
    orgA = await registerOwner(a, 'gr2a');
    orgB = await registerOwner(a, 'gr2b');
  }, 120_000);

  afterAll(async () => {
    await b?.kill();
    await a?.close();
  });

  it('process B is a separate process serving the same API', async () => {
    expect(b.pid).not.toBe(process.pid);
    const res = await fetch(`${b.baseUrl}/api/v1/graph/stats`, { headers: orgA.auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ nodes: 0 });
  });

  it('refuses an invalid token on process B too', async () => {
    expect((await refusedStatus(b.baseUrl, { token: 'bogus' })).status).toBe(401);
  });

  it('an event published by process A reaches a client on process B, and only its org', async () => {
    const clientA = await openWs(b.baseUrl, { token: orgA.token });
    const clientB = await openWs(b.baseUrl, { token: orgB.token });
    await clientA.subscribe(['jobs', 'graph']);
    await clientB.subscribe(['*']);
    const busA = a.app.get(EventBus);
    await busA.publish(`org:${orgA.orgId}:events`, { type: 'job.progress', ts: new Date().toISOString(), data: { job_id: 'job-x', progress: 0.42, org_id: orgA.orgId } });
    const ev = await clientA.next((m) => m.type === 'job.progress', 10_000);
    expect(ev).toEqual({ type: 'job.progress', ts: expect.any(String), data: { job_id: 'job-x', progress: 0.42, org_id: orgA.orgId } });

    // org B's client on the same process got nothing of org A; its own events arrive
    await busA.publish(`org:${orgB.orgId}:events`, { type: 'graph.changed', ts: new Date().toISOString(), data: { marker: 'b' } });
    const firstB = await clientB.next((m) => m.type !== 'welcome' && m.type !== 'subscribed', 10_000);
    expect(firstB.data).toEqual({ marker: 'b' });
    expect(JSON.stringify(clientB.messages)).not.toContain('job-x');
    await Promise.all([clientA.close(), clientB.close()]);
  });
});
