import { Neo4jService } from '@libs/graph';
import { EventBus } from '@libs/redis';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { wipeOrgGraph } from '../support/graph-fixtures';
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
    await busA.publish(`org:${orgA.orgId}:events`, {
      type: 'job.progress',
      ts: new Date().toISOString(),
      data: { job_id: 'job-x', progress: 0.42, org_id: orgA.orgId },
    });
    const ev = await clientA.next((m) => m.type === 'job.progress', 10_000);
    expect(ev).toEqual({
      type: 'job.progress',
      ts: expect.any(String),
      data: { job_id: 'job-x', progress: 0.42, org_id: orgA.orgId },
    });

    // org B's client on the same process got nothing of org A; its own events arrive
    await busA.publish(`org:${orgB.orgId}:events`, {
      type: 'graph.changed',
      ts: new Date().toISOString(),
      data: { marker: 'b' },
    });
    const firstB = await clientB.next((m) => m.type !== 'welcome' && m.type !== 'subscribed', 10_000);
    expect(firstB.data).toEqual({ marker: 'b' });
    expect(JSON.stringify(clientB.messages)).not.toContain('job-x');
    await Promise.all([clientA.close(), clientB.close()]);
  });
});

/**
 * The real path: a sync job started through process A's HTTP API (csv source served by a local
 * file server) is reported to a WebSocket client connected to process B.
 */
describe('WebSocket fan-out across two API processes: a real sync job', () => {
  let a: TestApp;
  let b: SpawnedApi;
  let orgA: TestUser;
  let orgB: TestUser;
  const files = createServer((req, res) => {
    if (req.url === '/people.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\n1,Ada\n2,Grace\n3,Linus\n');
    } else {
      res.writeHead(404).end();
    }
  });
  let fileBase: string;

  beforeAll(async () => {
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
    fileBase = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    [a, b] = await Promise.all([startTestApp(), spawnApiProcess()]);
    orgA = await registerOwner(a, 'gr2ja');
    orgB = await registerOwner(a, 'gr2jb');
  }, 120_000);

  afterAll(async () => {
    await b?.kill();
    if (orgA) {
      await wipeOrgGraph(a.app.get(Neo4jService), orgA.orgId);
    }
    await a?.close();
    files.closeAllConnections();
    await new Promise((r) => files.close(r));
  });

  it("job.queued / job.completed / graph.changed reach process B's client of the same org only", async () => {
    const src = await a
      .http()
      .post('/api/v1/sources')
      .set(orgA.auth)
      .send({
        name: 'people',
        source_type: 'csv',
        realm: 'crm',
        config: { url: `${fileBase}/people.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
      });
    expect(src.status).toBe(201);
    const clientA = await openWs(b.baseUrl, { token: orgA.token });
    const clientB = await openWs(b.baseUrl, { token: orgB.token });
    await clientA.subscribe(['jobs', 'graph']);
    await clientB.subscribe(['*']);
    const started = await a.http().post(`/api/v1/sources/${src.body.id}/sync`).set(orgA.auth).send({});
    expect(started.status).toBe(202);
    const jobId = started.body.id as string;
    const queued = await clientA.next((m) => m.type === 'job.queued', 30_000);
    expect((queued.data?.job as { id: string }).id).toBe(jobId);
    const done = await clientA.next((m) => m.type === 'job.completed' || m.type === 'job.failed', 60_000);
    expect(done.type).toBe('job.completed');
    const changed = await clientA.next((m) => m.type === 'graph.changed', 20_000);
    expect(changed.data).toMatchObject({ source_id: src.body.id });
    // the graph written by the job is readable through process B, for org A only
    const nodes = await fetch(`${b.baseUrl}/api/v1/graph/nodes?realm=crm`, { headers: orgA.auth });
    expect(((await nodes.json()) as { total: number }).total).toBe(3);
    const other = await fetch(`${b.baseUrl}/api/v1/graph/nodes?realm=crm`, { headers: orgB.auth });
    expect(((await other.json()) as { total: number }).total).toBe(0);
    expect(JSON.stringify(clientB.messages)).not.toContain(jobId);
    await Promise.all([clientA.close(), clientB.close()]);
  }, 120_000);
});
