import { Neo4jService } from '@libs/graph/neo4j.service';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { spawnWorkerDaemon, type DaemonProcess } from '../support/worker-daemon-process';
import { suitePrefix, waitForJob } from './sources-helpers';
import { until, WORKER_TOKEN } from './workers-helpers';

/** A file server the test controls: `hold(path)` makes the next request of that path hang until released. */
function fileServer() {
  const files = new Map<string, string>();
  const held = new Set<string>();
  const hits = new Map<string, number>();
  const hanging: (() => void)[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files.get(path);
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    const send = () => {
      if (!res.destroyed) {
        res.writeHead(200, { 'content-type': 'text/csv' }).end(body);
      }
    };
    if (held.delete(path)) {
      hanging.push(send); // answered only when the test releases it (or never, if its caller died)
      return;
    }
    send();
  });
  return { server, files, held, hits, release: () => hanging.splice(0).forEach((f) => f()) };
}

/**
 * The worker daemon program end to end: `src/bin/worker-daemon.ts` runs as separate processes
 * against this API. A sync (csv source) runs on the daemon and lands in the graph; a daemon killed
 * in the middle of a sync loses its lease and another daemon re-claims and finishes it.
 */
describe('workers: the worker daemon program (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let neo: Neo4jService;
  const fs = fileServer();
  let base: string;
  const prefix = suitePrefix('workers-daemon');
  const daemons: DaemonProcess[] = [];

  beforeAll(async () => {
    await new Promise<void>((r) => fs.server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(fs.server.address() as AddressInfo).port}`;
    t = await startTestApp({
      REDIS_PREFIX: prefix,
      WORKER_TOKEN,
      WORKER_LEASE_SECS: '3',
      WORKER_HEARTBEAT_SECS: '1',
      AGENTCY_FEATURES_WORKERS: 'true',
    });
    a = await registerOwner(t, 'wdaemon');
    neo = t.app.get(Neo4jService);
  });

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.kill()));
    fs.release();
    await t?.close();
    fs.server.closeAllConnections();
    await new Promise((r) => fs.server.close(r));
  });

  const daemon = (name: string) => {
    const d = spawnWorkerDaemon({
      AGENTCY_URL: t.baseUrl,
      WORKER_TOKEN,
      WORKER_NAME: name,
      WORKER_QUEUES: 'ingest',
      WORKER_CONCURRENCY: '2',
      WORKER_ORG_ID: a.orgId,
      WORKER_SHUTDOWN_GRACE_SECS: '5',
      REDIS_PREFIX: prefix,
      WORKER_LEASE_SECS: '3',
      WORKER_HEARTBEAT_SECS: '1',
    });
    daemons.push(d);
    return d;
  };
  const workerNamed = async (name: string) => {
    const r = await t.http().get('/api/v1/workers').query({ limit: 200 }).set(a.auth).expect(200);
    return r.body.items.find((w: { name: string; status: string }) => w.name === name && w.status !== 'offline') as
      { id: string; status: string } | undefined;
  };
  const online = (d: DaemonProcess, name: string) =>
    until(
      `daemon ${name} online`,
      async () => {
        const code = await Promise.race([d.exited, Promise.resolve('running' as const)]);
        if (code !== 'running') {
          throw new Error(`daemon ${name} exited with ${code}:\n${d.output()}`);
        }
        const w = await workerNamed(name);
        return w?.status === 'online' && w;
      },
      150_000,
      500,
    );
  const workerJobFor = async (syncJobId: string) => {
    const r = await t.http().get('/api/v1/workers/jobs').query({ queue: 'ingest', limit: 200 }).set(a.auth).expect(200);
    return r.body.items.find((j: { payload: { sync_job_id?: string } }) => j.payload.sync_job_id === syncJobId) as
      { id: string; status: string; worker_id: string | null; attempts: number; kind: string } | undefined;
  };
  const liveKeys = async (sourceId: string) =>
    (
      await neo.read(
        'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN n.key AS k ORDER BY k',
        { org: a.orgId, src: sourceId },
      )
    ).records.map((r) => r.get('k') as string);

  let sourceId: string;

  it('without a live worker a sync is refused with 503 worker_unavailable and no job is created', async () => {
    fs.files.set('/people.csv', 'id,name\n1,Ada\n2,Bob\n');
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({
        name: 'people',
        source_type: 'csv',
        config: { url: `${base}/people.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
      })
      .expect(201);
    sourceId = src.body.id;
    const r = await t.http().post(`/api/v1/sources/${sourceId}/sync`).set(a.auth).send({}).expect(503);
    expect(r.body.error.code).toBe('worker_unavailable');
    const jobs = await t.http().get(`/api/v1/sources/${sourceId}/jobs`).set(a.auth).expect(200);
    expect(jobs.body.total).toBe(0);
  });

  it('a daemon registers, claims the sync job and runs it into the graph; the sync job reports as usual', async () => {
    const d = daemon('daemon-a');
    const w = await online(d, 'daemon-a');
    const r = await t.http().post(`/api/v1/sources/${sourceId}/sync`).set(a.auth).send({}).expect(202);
    expect(r.body.status).toBe('queued');
    const done = await waitForJob(t, a.auth, sourceId, r.body.id, ['succeeded', 'failed', 'cancelled'], 90_000);
    expect(done.status).toBe('succeeded');
    expect(done.stats).toMatchObject({ nodes_written: 2 });
    expect(await liveKeys(sourceId)).toEqual(['1', '2']);
    const wj = await until('worker job succeeded', async () => {
      const j = await workerJobFor(r.body.id);
      return j?.status === 'succeeded' && j;
    });
    expect(wj).toMatchObject({ kind: 'source.sync', worker_id: w.id, attempts: 0 });
    const src = await t.http().get(`/api/v1/sources/${sourceId}`).set(a.auth).expect(200);
    expect(src.body.status).toBe('ready');
  }, 240_000);

  it('a daemon killed mid-sync loses its lease; another daemon re-claims the job and finishes it', async () => {
    const a1 = await until('daemon-a', () => workerNamed('daemon-a'));
    fs.files.set('/people.csv', 'id,name\n1,Ada\n2,Bob\n3,Cy\n');
    const before = fs.hits.get('/people.csv') ?? 0;
    fs.held.add('/people.csv'); // daemon-a's next fetch hangs: the job stays in progress
    const r = await t.http().post(`/api/v1/sources/${sourceId}/sync`).set(a.auth).send({}).expect(202);
    const running = await until(
      'daemon-a working on the job',
      async () => {
        const j = await workerJobFor(r.body.id);
        return (fs.hits.get('/people.csv') ?? 0) > before && j?.status === 'running' && j;
      },
      60_000,
    );
    expect(running.worker_id).toBe(a1.id);
    const inProgress = await t.http().get(`/api/v1/sources/${sourceId}/jobs/${r.body.id}`).set(a.auth).expect(200);
    expect(['validating', 'running']).toContain(inProgress.body.status);

    await daemons[0].kill(); // SIGKILL: no deregister, no outcome
    const d2 = daemon('daemon-b');
    const b1 = await online(d2, 'daemon-b');
    const done = await waitForJob(t, a.auth, sourceId, r.body.id, ['succeeded', 'failed', 'cancelled'], 120_000);
    expect(done.status).toBe('succeeded');
    expect(done.stats).toMatchObject({ nodes_written: 3 });
    expect(await liveKeys(sourceId)).toEqual(['1', '2', '3']);
    const wj = await until('worker job finished by daemon-b', async () => {
      const j = await workerJobFor(r.body.id);
      return j?.status === 'succeeded' && j;
    });
    // the lost lease cost one attempt; daemon-b finished it
    expect(wj).toMatchObject({ worker_id: b1.id, attempts: 1 });
    // daemon-a, silent, ends offline
    await until(
      'daemon-a offline',
      async () => (await t.http().get(`/api/v1/workers/${a1.id}`).set(a.auth).expect(200)).body.status === 'offline',
      30_000,
    );
  }, 300_000);

  it('SIGTERM: the daemon deregisters and exits 0', async () => {
    const b1 = await until('daemon-b', () => workerNamed('daemon-b'));
    const code = await daemons[1].stop();
    expect(code).toBe(0);
    const w = await t.http().get(`/api/v1/workers/${b1.id}`).set(a.auth).expect(200);
    expect(w.body.status).toBe('offline');
  }, 60_000);
});
