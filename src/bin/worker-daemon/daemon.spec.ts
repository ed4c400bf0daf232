import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRetryable, WorkerDaemon, type DaemonJob, type JobHandler } from './daemon';
import { daemonSettings } from './settings';

/** A stand-in API: records calls, hands out the queued jobs once, answers heartbeats with `lost`. */
function fakeApi() {
  const calls: { path: string; body: Record<string, unknown>; auth?: string }[] = [];
  const queue: DaemonJob[] = [];
  const lost: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').replace('/api/v1/workers', '');
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      calls.push({ path, body, auth: req.headers.authorization });
      const json = (status: number, b?: object) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(b ? JSON.stringify(b) : '');
      };
      if (path === '/register') {
        return json(201, { worker_id: 'wkr_1', heartbeat_interval_secs: 1, lease_secs: 60 });
      }
      if (path.endsWith('/heartbeat')) {
        const listed = (body.in_flight as string[]) ?? [];
        return json(200, { ok: true, drain: false, lost: listed.filter((id) => lost.includes(id)) });
      }
      if (path.endsWith('/claim')) {
        const jobs = queue.splice(0, Number(body.max ?? 1));
        return setTimeout(() => json(200, { jobs }), jobs.length ? 0 : 100);
      }
      if (path.endsWith('/complete') || path.endsWith('/fail') || path.endsWith('/deregister')) {
        return json(204);
      }
      json(404, { error: { code: 'not_found', message: 'no' } });
    });
  });
  return { server, calls, queue, lost };
}

const job = (id: string, kind = 'echo'): DaemonJob => ({
  id,
  org_id: 'org',
  queue: 'default',
  kind,
  payload: { n: 1 },
  attempts: 0,
  max_attempts: 3,
});

describe('WorkerDaemon (against a stand-in API)', () => {
  const api = fakeApi();
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((r) => api.server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    api.server.closeAllConnections();
    await new Promise((r) => api.server.close(r));
  });
  beforeEach(() => {
    api.calls.length = 0;
    api.lost.length = 0;
  });

  const make = (handlers: Record<string, JobHandler>) =>
    new WorkerDaemon({
      apiUrl: url,
      token: 'tok',
      name: 'n',
      hostname: 'h',
      version: '1',
      queues: ['default'],
      concurrency: 2,
      handlers,
      shutdownGraceMs: 2_000,
      log: () => undefined,
    });
  const waitFor = async (pred: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!pred()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out; calls: ${JSON.stringify(api.calls.map((c) => c.path))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('registers, runs claimed jobs by kind, reports complete/fail, deregisters on shutdown', async () => {
    api.queue.push(job('wjob_ok'), job('wjob_bad', 'boom'), job('wjob_unknown', 'nope'));
    const d = make({
      echo: (j) => Promise.resolve({ echoed: j.payload.n }),
      boom: () => Promise.reject(Object.assign(new Error('bad'), { name: 'UnrecoverableError' })),
    });
    await d.start();
    await waitFor(() => api.calls.filter((c) => /\/(complete|fail)$/.test(c.path)).length === 3);
    await d.shutdown();
    const reg = api.calls.find((c) => c.path === '/register')!;
    expect(reg.auth).toBe('Bearer tok');
    expect(reg.body).toMatchObject({ name: 'n', queues: ['default'], concurrency: 2 });
    expect(api.calls.find((c) => c.path === '/jobs/wjob_ok/complete')!.body).toEqual({
      worker_id: 'wkr_1',
      result: { echoed: 1 },
    });
    expect(api.calls.find((c) => c.path === '/jobs/wjob_bad/fail')!.body).toMatchObject({
      worker_id: 'wkr_1',
      error: 'bad',
      retryable: false,
    });
    expect(api.calls.find((c) => c.path === '/jobs/wjob_unknown/fail')!.body).toMatchObject({
      retryable: false,
      code: 'unknown_kind',
    });
    // never more than `concurrency` asked for
    for (const c of api.calls.filter((x) => x.path.endsWith('/claim'))) {
      expect(Number(c.body.max)).toBeLessThanOrEqual(2);
    }
    expect(api.calls[api.calls.length - 1].path).toBe('/wkr_1/deregister');
  });

  it('heartbeats list the running jobs; a lost lease aborts the handler', async () => {
    api.queue.push(job('wjob_long'));
    api.lost.push('wjob_long');
    let aborted = false;
    const d = make({
      echo: (_j, signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({});
          }),
        ),
    });
    await d.start();
    await waitFor(() => aborted);
    await d.shutdown();
    const hb = api.calls.find((c) => c.path.endsWith('/heartbeat') && (c.body.in_flight as string[]).length);
    expect(hb!.body.in_flight).toEqual(['wjob_long']);
  });

  it('isRetryable: errors are retryable unless marked otherwise', () => {
    expect(isRetryable(new Error('x'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: false }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { name: 'UnrecoverableError' }))).toBe(false);
  });
});

describe('daemonSettings', () => {
  const base = { AGENTCY_URL: 'http://api:3000', WORKER_TOKEN: 't' };
  it('defaults: queue ingest, concurrency 1, 30 s grace', () => {
    expect(daemonSettings(base)).toMatchObject({
      apiUrl: 'http://api:3000',
      queues: ['ingest'],
      concurrency: 1,
      shutdownGraceMs: 30_000,
    });
  });
  it('refuses a missing URL or token, unknown queues and bad numbers', () => {
    expect(() => daemonSettings({ WORKER_TOKEN: 't' })).toThrow(/AGENTCY_URL/);
    expect(() => daemonSettings({ AGENTCY_URL: 'http://x' })).toThrow(/WORKER_TOKEN/);
    expect(() => daemonSettings({ ...base, WORKER_QUEUES: 'ingest,bogus' })).toThrow(/bogus/);
    expect(() => daemonSettings({ ...base, WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
    expect(daemonSettings({ ...base, WORKER_QUEUES: 'ingest, tasks', WORKER_ORG_ID: 'o' })).toMatchObject({
      queues: ['ingest', 'tasks'],
      orgId: 'o',
    });
  });
});
