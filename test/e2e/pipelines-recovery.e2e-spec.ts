import { Neo4jService } from '@libs/graph/neo4j.service';
import { EventBus } from '@libs/redis/event-bus.service';
import { RedisService } from '@libs/redis/redis.service';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cancelKey } from 'src/modules/sources/sync.service';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api, eventually } from './chat-helpers';
import { testUploadDir } from './sources-helpers';

const TTL_MS = 1500;
const SWEEP_MS = 500;

/**
 * A `/pipelines` run executes inside the API process that started it. That process is SIGKILLed
 * mid-run (its second step's sync job waits on a CSV server that does not answer); the sweeper of
 * the surviving process (this jest process's app, same deployment) ends the run `failed` /
 * `interrupted` once the dead process's presence key lapses, rolls back what its first step had
 * published, and the pipeline accepts a new run. Sync jobs run only in the child (the test app has
 * INGEST_RUN_IN_API=false), so the hanging job is certainly the killed process's.
 */
describe('/pipelines recovery: a run whose process died ends failed/interrupted and is rolled back', () => {
  let t: TestApp;
  let child: SpawnedApi | undefined;
  let u: TestUser;
  let other: TestUser;
  let neo: Neo4jService;
  let base: string;
  const hits: string[] = [];
  const held: ServerResponse[] = [];
  let holdSlow = false;
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/slow.csv' && holdSlow) {
      held.push(res); // never answered: the step stays running until its process dies
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\nrec-1,Ada\nrec-2,Bob\n');
  });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const env = () => ({
    CHAT_INSTANCE_TTL_MS: String(TTL_MS),
    PIPELINE_SWEEP_INTERVAL_MS: String(SWEEP_MS),
    UPLOAD_DIR: testUploadDir(),
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({ ...env(), INGEST_RUN_IN_API: 'false' });
    neo = t.app.get(Neo4jService);
    u = await registerOwner(t, 'piperec');
    other = await registerOwner(t, 'piperecb');
    await t.app.get(EventBus).subscribe(`org:${u.orgId}:events`, (m) => events.push(m as never));
  }, 60_000);

  afterAll(async () => {
    await child?.kill(0);
    await t?.close();
    held.forEach((r) => r.destroy());
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const createSource = async (name: string, path: string) => {
    const r = await api(t.baseUrl, 'POST', '/sources', u.auth, {
      name,
      source_type: 'csv',
      config: { url: `${base}${path}`, label: 'Person', key_column: 'id', name_column: 'name' },
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };

  const liveKeys = async (sourceId: string) =>
    (
      await neo.read(
        'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN n.key AS k ORDER BY k',
        { org: u.orgId, src: sourceId },
      )
    ).records.map((r) => r.get('k') as string);

  it('SIGKILL mid-run → failed/interrupted within TTL + sweep interval, first step rolled back, new run accepted', async () => {
    const fast = await createSource('rec-fast', '/fast.csv');
    const slow = await createSource('rec-slow', '/slow.csv');
    const p = await api(t.baseUrl, 'POST', '/pipelines', u.auth, {
      name: 'p-recovery',
      steps: [{ source_id: fast }, { source_id: slow }],
    });
    expect(p.status).toBe(201);
    child = await spawnApiProcess({ ...env(), MIGRATIONS_RUN: 'false' });
    // from now on the second source's CSV never answers (creating the source fetched it once)
    holdSlow = true;
    hits.length = 0;

    // the run is started on (and executed by) the child process
    const started = await api(child.baseUrl, 'POST', `/pipelines/${p.body.id}/runs`, u.auth, {});
    expect(started.status).toBe(202);
    const runId = started.body.id as string;
    const get = async () => (await api(t.baseUrl, 'GET', `/pipelines/${p.body.id}/runs/${runId}`, u.auth)).body;
    await eventually(
      async () => {
        const r = await get();
        return r.steps[0].status === 'succeeded' && r.steps[1].status === 'running' && hits.includes('/slow.csv');
      },
      60_000,
      200,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\nchild output:\n${child?.output().slice(-3000)}`);
    });
    // the first step published its nodes
    expect(await liveKeys(fast)).toEqual(['rec-1', 'rec-2']);
    // one active run per pipeline: blocked while it runs
    expect((await api(t.baseUrl, 'POST', `/pipelines/${p.body.id}/runs`, u.auth, {})).status).toBe(409);

    child.signal('SIGKILL');
    await child.exited;
    const killedAt = Date.now();
    const ended = await eventually(
      async () => {
        const r = await get();
        return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
      },
      30_000,
      100,
    );
    const tookMs = Date.now() - killedAt;
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(ended.error.message).toMatch(/process/i);
    expect(ended.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'failed']);
    expect(ended.steps[1].error).toMatchObject({ code: 'interrupted' });
    expect(ended.finished_at).toBeTruthy();
    // TTL + sweep interval, plus the bounded wait on the step's sync job cancel (2 s) and slack
    expect(tookMs).toBeLessThan(TTL_MS + SWEEP_MS + 2_000 + 3_000);

    // nothing of the killed run stays published
    expect(await liveKeys(fast)).toEqual([]);
    expect(await liveKeys(slow)).toEqual([]);
    expect(ended.stats).toMatchObject({ rolled_back_archived: 2 });
    // the same event a failed run publishes
    await eventually(() =>
      Promise.resolve(
        events.some(
          (e) =>
            e.type === 'pipeline_run.updated' &&
            e.data.run_id === runId &&
            e.data.status === 'failed' &&
            (e.data.run as { error?: { code?: string } }).error?.code === 'interrupted',
        ),
      ),
    );
    // the surviving replica claimed the run (conditional UPDATE of owner_instance) before ending it
    const ds = t.app.get(DataSource);
    const [{ owner_instance: owner }] = await ds.query(`SELECT owner_instance FROM pipeline_runs WHERE id = $1`, [
      runId,
    ]);
    expect(owner).toBe(t.app.get(ReplicaPresence).instanceId);
    // the hanging sync job of the dead process was asked to stop (the flag stops it if the queue re-delivers it)
    const redis = t.app.get(RedisService);
    expect(await redis.client.exists(cancelKey(redis, ended.steps[1].job_id))).toBe(1);

    // the pipeline accepts a new run (no 409); cancelled here (no ingest consumer is left to run it)
    const again = await api(t.baseUrl, 'POST', `/pipelines/${p.body.id}/runs`, u.auth, {});
    expect(again.status).toBe(202);
    expect(
      (await api(t.baseUrl, 'POST', `/pipelines/${p.body.id}/runs/${again.body.id}/cancel`, u.auth, {})).status,
    ).toBe(200);
    // attacker: another org cannot see the interrupted run
    expect((await api(t.baseUrl, 'GET', `/pipelines/${p.body.id}/runs/${runId}`, other.auth)).status).toBe(404);
  }, 180_000);

  it("never touches an active run of another deployment (another Redis prefix), even when its owner's key is absent", async () => {
    const src = await createSource('rec-foreign', '/fast.csv');
    const p = await api(t.baseUrl, 'POST', '/pipelines', u.auth, { name: 'p-foreign', steps: [{ source_id: src }] });
    expect(p.status).toBe(201);
    const ds = t.app.get(DataSource);
    const runId = `prun_foreign${Date.now()}`;
    await ds.query(
      `INSERT INTO pipeline_runs (id, pipeline_id, org_id, pipeline_version, status, steps, started_at, owner_instance)
       VALUES ($1, $2, $3, 1, 'running', $4, now(), $5)`,
      [
        runId,
        p.body.id,
        u.orgId,
        JSON.stringify([{ source_id: src, status: 'running', job_id: null, stats: null, error: null }]),
        'another-deployment-prefix|host:1:gone',
      ],
    );
    await new Promise((r) => setTimeout(r, TTL_MS + 4 * SWEEP_MS));
    const r = await api(t.baseUrl, 'GET', `/pipelines/${p.body.id}/runs/${runId}`, u.auth);
    expect(r.body).toMatchObject({ status: 'running', error: null });
    await ds.query(`UPDATE pipeline_runs SET status = 'cancelled' WHERE id = $1`, [runId]);
  });
});
