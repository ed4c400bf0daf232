import { Client } from 'pg';
import { WorkerJobsContract } from 'src/modules/workers/worker-jobs.contract';
import { addMember, loginAdmin, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { suitePrefix } from './sources-helpers';
import { daemonApi, until, WORKER_TOKEN } from './workers-helpers';

/**
 * The daemon protocol over raw HTTP (spec A.3): register, claim (long-poll), heartbeat renewing
 * leases, complete/fail only by the lease holder, lease expiry → queue → dead, retry, drain,
 * deregister, and concurrent claims never sharing a job. Lease 2 s, heartbeat 2 s.
 */
async function auditRows(orgId: string, action: string): Promise<{ target: { id?: string } | null }[]> {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try {
    return (await c.query('SELECT target FROM audit_log WHERE org_id = $1 AND action = $2', [orgId, action])).rows;
  } finally {
    await c.end();
  }
}

describe('workers: daemon protocol (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let jobs: WorkerJobsContract;
  let api: ReturnType<typeof daemonApi>;

  beforeAll(async () => {
    t = await startTestApp({
      REDIS_PREFIX: suitePrefix('workers-proto'),
      WORKER_TOKEN,
      WORKER_LEASE_SECS: '2',
      WORKER_HEARTBEAT_SECS: '2',
      AGENTCY_FEATURES_WORKERS: 'true',
    });
    a = await registerOwner(t, 'wproto');
    jobs = t.app.get(WorkerJobsContract);
    api = daemonApi(t);
  });
  afterAll(() => t?.close());

  const enqueue = (opts: { queue?: 'default' | 'ingest'; maxAttempts?: number; orgId?: string; n?: number } = {}) =>
    jobs.enqueue({
      orgId: opts.orgId ?? a.orgId,
      queue: opts.queue ?? 'default',
      kind: 'test.echo',
      payload: { n: opts.n ?? 0 },
      maxAttempts: opts.maxAttempts,
    });
  const job = async (id: string, user: TestUser = a) =>
    (await t.http().get(`/api/v1/workers/jobs/${id}`).set(user.auth).expect(200)).body;
  /** dedicated to org a so other suites' jobs never reach these workers */
  const register = async (body: object = {}) =>
    (await api.register({ org_id: a.orgId, ...body }).expect(201)).body.worker_id as string;
  /** takes every job still queued for org a out of the way */
  const drainQueue = async () => {
    const w = await register({ name: 'janitor', concurrency: 64 });
    for (;;) {
      const r = await api.claim(w, { max: 64, queues: ['default', 'ingest'] }).expect(200);
      if (!r.body.jobs.length) {
        break;
      }
      for (const j of r.body.jobs) {
        await api.complete(j.id, w).expect(204);
      }
    }
    await api.deregister(w).expect(204);
  };
  beforeEach(() => drainQueue());

  it('register → ids and intervals; heartbeat answers drain false; unknown worker 404', async () => {
    const r = await api.register({ org_id: a.orgId, queues: ['default', 'ingest'] }).expect(201);
    expect(r.body).toEqual({
      worker_id: expect.stringMatching(/^wkr_[0-9a-f]{32}$/),
      heartbeat_interval_secs: 2,
      lease_secs: 2,
    });
    const hb = await api.heartbeat(r.body.worker_id).expect(200);
    expect(hb.body).toEqual({ ok: true, drain: false, lost: [] });
    await api.heartbeat('wkr_00000000000000000000000000000000').expect(404);
    await api.claim('wkr_00000000000000000000000000000000').expect(404);
    const bad = await api.register({ queues: ['nope'] }).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    await api.register({ org_id: '00000000-0000-4000-8000-000000000000' }).expect(404);
    const listed = await t.http().get('/api/v1/workers').set(a.auth).expect(200);
    const mine = listed.body.items.find((w: { id: string }) => w.id === r.body.worker_id);
    expect(mine).toMatchObject({
      name: 'w',
      hostname: 'host-e2e',
      version: '0.0.1',
      queues: ['default', 'ingest'],
      concurrency: 4,
      status: 'online',
      drain: false,
      org_id: a.orgId,
      in_flight: 0,
    });
  });

  it('claim: empty list without jobs; long-poll returns as soon as a job is queued; complete once', async () => {
    const w = await register();
    const empty = await api.claim(w).expect(200);
    expect(empty.body).toEqual({ jobs: [] });

    const started = Date.now();
    const polling = api.claim(w, { wait_secs: 15 });
    await new Promise((r) => setTimeout(r, 700));
    const id = await enqueue({ n: 7 });
    const got = await polling.expect(200);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(got.body.jobs).toHaveLength(1);
    expect(got.body.jobs[0]).toMatchObject({
      id,
      org_id: a.orgId,
      queue: 'default',
      kind: 'test.echo',
      payload: { n: 7 },
      status: 'claimed',
      attempts: 0,
      max_attempts: 3,
      worker_id: w,
      lease_expires_at: expect.any(String),
      started_at: expect.any(String),
    });
    // heartbeat → running; in_flight counted
    await api.heartbeat(w, [id]).expect(200);
    expect((await job(id)).status).toBe('running');
    const wl = await t.http().get(`/api/v1/workers/${w}`).set(a.auth).expect(200);
    expect(wl.body.in_flight).toBe(1);

    const other = await register({ name: 'other' });
    const stolen = await api.complete(id, other).expect(409);
    expect(stolen.body.error.code).toBe('lease_lost');
    await api.complete(id, w, { rows: 3 }).expect(204);
    expect(await job(id)).toMatchObject({ status: 'succeeded', result: { rows: 3 }, finished_at: expect.any(String) });
    // never finishes twice
    expect((await api.complete(id, w).expect(409)).body.error.code).toBe('lease_lost');
    expect((await api.fail(id, w).expect(409)).body.error.code).toBe('lease_lost');
    await api.complete('wjob_00000000000000000000000000000000', w).expect(404);
  });

  it('an expired lease returns the job to the queue (attempts +1); the old holder is refused; after max_attempts → dead', async () => {
    const w1 = await register({ name: 'w1' });
    const w2 = await register({ name: 'w2' });
    const id = await enqueue({ maxAttempts: 2 });
    const c1 = await api.claim(w1).expect(200);
    expect(c1.body.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
    // w1 keeps heart-beating as a worker but never lists the job: the lease (2 s) runs out
    const back = await until('lease expiry', async () => {
      const j = await job(id);
      return j.status === 'queued' && j;
    });
    expect(back).toMatchObject({ attempts: 1, worker_id: null, error: { code: 'lease_expired' } });
    expect((await api.complete(id, w1).expect(409)).body.error.code).toBe('lease_lost');
    // a heartbeat listing it tells w1 it lost the job
    expect((await api.heartbeat(w1, [id]).expect(200)).body.lost).toEqual([id]);

    const c2 = await api.claim(w2).expect(200);
    expect(c2.body.jobs[0]).toMatchObject({ id, attempts: 1, worker_id: w2 });
    const dead = await until('dead after max attempts', async () => {
      const j = await job(id);
      return j.status === 'dead' && j;
    });
    expect(dead).toMatchObject({ attempts: 2, finished_at: expect.any(String) });
    const queues = await t.http().get('/api/v1/workers/queues').set(a.auth).expect(200);
    expect(queues.body.items.find((q: { queue: string }) => q.queue === 'default')).toMatchObject({ dead: 1 });
    expect(queues.body.items.map((q: { queue: string }) => q.queue).sort()).toEqual([
      'default',
      'embeddings',
      'ingest',
      'pipelines',
      'tasks',
    ]);
    // retry: dead → queued with fresh attempts, audited
    const retried = await t.http().post(`/api/v1/workers/jobs/${id}/retry`).set(a.auth).expect(200);
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 0, worker_id: null });
    expect((await t.http().post(`/api/v1/workers/jobs/${id}/retry`).set(a.auth).expect(409)).body.error.code).toBe(
      'job_not_retryable',
    );
    await until('retry audited', () =>
      auditRows(a.orgId, 'workers.job.retry').then((rows) => rows.some((r) => r.target?.id === id)),
    );
  });

  it('heartbeats listing a job keep its lease alive past the lease time', async () => {
    const w = await register();
    const id = await enqueue();
    await api.claim(w).expect(200);
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 700));
      expect((await api.heartbeat(w, [id]).expect(200)).body.lost).toEqual([]);
    }
    expect(await job(id)).toMatchObject({ status: 'running', attempts: 0, worker_id: w });
    await api.complete(id, w).expect(204);
  });

  it('fail: retryable → queued again (attempts +1), then dead; non-retryable → failed; retry → queued', async () => {
    const w = await register();
    const id = await enqueue({ maxAttempts: 2 });
    await api.claim(w).expect(200);
    await api.fail(id, w, true, 'flaky').expect(204);
    expect(await job(id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: { code: 'job_failed', message: 'flaky' },
    });
    await api.claim(w).expect(200);
    await api.fail(id, w, true).expect(204);
    expect(await job(id)).toMatchObject({ status: 'dead', attempts: 2 });

    const id2 = await enqueue();
    await api.claim(w).expect(200);
    await api.fail(id2, w, false, 'bad input').expect(204);
    expect(await job(id2)).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'bad input' } });
    await t.http().post(`/api/v1/workers/jobs/${id2}/retry`).set(a.auth).expect(200);
    const again = await api.claim(w).expect(200);
    expect(again.body.jobs[0]).toMatchObject({ id: id2, attempts: 0 });
    await api.complete(id2, w).expect(204);
    const list = await t
      .http()
      .get('/api/v1/workers/jobs')
      .query({ status: 'dead', queue: 'default' })
      .set(a.auth)
      .expect(200);
    expect(list.body.items.map((j: { id: string }) => j.id)).toContain(id);
    expect(list.body.items.every((j: { status: string }) => j.status === 'dead')).toBe(true);
    const page = await t.http().get('/api/v1/workers/jobs').query({ limit: 1 }).set(a.auth).expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.next_cursor).toEqual(expect.any(String));
  });

  it('two workers claiming at the same time never get the same job; concurrency caps a claim', async () => {
    const w1 = await register({ name: 'c1', concurrency: 6 });
    const w2 = await register({ name: 'c2', concurrency: 6 });
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) {
      ids.add(await enqueue({ n: i }));
    }
    const results = await Promise.all([
      api.claim(w1, { max: 3 }),
      api.claim(w2, { max: 3 }),
      api.claim(w1, { max: 3 }),
      api.claim(w2, { max: 3 }),
    ]);
    const got = results.flatMap((r) => r.body.jobs.map((j: { id: string; worker_id: string }) => j));
    const gotIds = got.map((j) => j.id);
    expect(new Set(gotIds).size).toBe(gotIds.length);
    expect(gotIds.length).toBe(10);
    expect(gotIds.every((id) => ids.has(id))).toBe(true);
    // each worker holds at most its concurrency (6)
    for (const w of [w1, w2]) {
      expect(got.filter((j) => j.worker_id === w).length).toBeLessThanOrEqual(6);
    }
    // full worker: nothing more even with queued jobs
    const w3 = await register({ name: 'c3', concurrency: 1 });
    await enqueue();
    await enqueue();
    expect((await api.claim(w3, { max: 5 }).expect(200)).body.jobs).toHaveLength(1);
    expect((await api.claim(w3, { max: 5 }).expect(200)).body.jobs).toHaveLength(0);
    for (const j of got) {
      await api.complete(j.id, j.worker_id).expect(204);
    }
  });

  it('drain: the worker gets no new jobs and its heartbeat says drain; undrain restores; admin+ only', async () => {
    const w = await register({ name: 'drainme' });
    const r = await t.http().post(`/api/v1/workers/${w}/drain`).set(a.auth).send({}).expect(200);
    expect(r.body).toMatchObject({ id: w, drain: true });
    expect((await api.heartbeat(w).expect(200)).body.drain).toBe(true);
    const id = await enqueue();
    expect((await api.claim(w).expect(200)).body.jobs).toEqual([]);
    await t.http().post(`/api/v1/workers/${w}/drain`).set(a.auth).send({ drain: false }).expect(200);
    expect((await api.claim(w).expect(200)).body.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
    await api.complete(id, w).expect(204);

    const member = await addMember(t, a, 'member', 'wmember');
    await t.http().get('/api/v1/workers').set(member.auth).expect(403);
    await t.http().post(`/api/v1/workers/${w}/drain`).set(member.auth).send({}).expect(403);

    // install-wide worker: an org owner may not drain it, a platform admin may
    const wide = (await api.register({ name: 'wide', queues: ['pipelines'] }).expect(201)).body.worker_id;
    const refused = await t.http().post(`/api/v1/workers/${wide}/drain`).set(a.auth).send({}).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    const admin = await loginAdmin(t);
    await t.http().post(`/api/v1/workers/${wide}/drain`).set(admin.auth).send({}).expect(200);
    await until('drain audited', () =>
      auditRows(admin.orgId, 'workers.drain').then((rows) => rows.some((r) => r.target?.id === wide)),
    );
    expect((await api.heartbeat(wide).expect(200)).body.drain).toBe(true);
    await api.deregister(wide).expect(204);
  });

  it('deregister: its jobs go back to the queue without costing an attempt; the worker is offline', async () => {
    const w = await register();
    const id = await enqueue();
    await api.claim(w).expect(200);
    await api.deregister(w).expect(204);
    expect(await job(id)).toMatchObject({ status: 'queued', attempts: 0, worker_id: null });
    const hb = await api.heartbeat(w).expect(409);
    expect(hb.body.error.code).toBe('worker_offline');
    expect((await t.http().get(`/api/v1/workers/${w}`).set(a.auth).expect(200)).body.status).toBe('offline');
    await api.deregister('wkr_00000000000000000000000000000000').expect(404);
  });

  it('a worker whose heartbeats stop turns stale, then offline, and its jobs are released', async () => {
    const w = await register({ name: 'silent' });
    const id = await enqueue({ maxAttempts: 5 });
    await api.claim(w).expect(200);
    // heartbeat 2 s: stale after 6 s, offline after 10 s (the 2 s lease releases the job earlier)
    const seen: string[] = [];
    await until(
      'offline',
      async () => {
        const s = (await t.http().get(`/api/v1/workers/${w}`).set(a.auth).expect(200)).body.status as string;
        if (seen[seen.length - 1] !== s) {
          seen.push(s);
        }
        return s === 'offline';
      },
      25_000,
    );
    expect(seen).toEqual(['online', 'stale', 'offline']);
    const j = await job(id);
    expect(j.status).toBe('queued');
    expect(j.attempts).toBeGreaterThanOrEqual(1);
    expect((await api.claim(w).expect(409)).body.error.code).toBe('worker_offline');
  }, 60_000);
});
