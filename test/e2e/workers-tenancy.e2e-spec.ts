import { WorkerJobsContract } from 'src/modules/workers/worker-jobs.contract';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { suitePrefix } from './sources-helpers';
import { daemonApi, WORKER_TOKEN } from './workers-helpers';

/** Attacker tests: worker token, another org's workers and jobs, feature flag, WORKER_TOKEN unset. */
describe('workers: tokens and tenancy (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let jobs: WorkerJobsContract;
  let api: ReturnType<typeof daemonApi>;

  beforeAll(async () => {
    t = await startTestApp({
      REDIS_PREFIX: suitePrefix('workers-tenancy'),
      WORKER_TOKEN,
      AGENTCY_FEATURES_WORKERS: 'true',
    });
    a = await registerOwner(t, 'wten-a');
    b = await registerOwner(t, 'wten-b');
    jobs = t.app.get(WorkerJobsContract);
    api = daemonApi(t);
  });
  afterAll(() => t?.close());

  it('daemon routes: missing or wrong worker token → 401; a user JWT is no worker token', async () => {
    const w = (await api.register({ org_id: a.orgId }).expect(201)).body.worker_id as string;
    const job = 'wjob_00000000000000000000000000000000';
    const routes: [string, object][] = [
      ['/register', { name: 'x', hostname: 'h', version: '1', queues: ['default'] }],
      [`/${w}/heartbeat`, {}],
      [`/${w}/claim`, { wait_secs: 0 }],
      [`/jobs/${job}/complete`, { worker_id: w }],
      [`/jobs/${job}/fail`, { worker_id: w, error: 'x' }],
      [`/${w}/deregister`, {}],
    ];
    for (const [path, body] of routes) {
      const none = await t.http().post(`/api/v1/workers${path}`).send(body);
      expect([path, none.status]).toEqual([path, 401]);
      const wrong = await t
        .http()
        .post(`/api/v1/workers${path}`)
        .set('Authorization', `Bearer ${WORKER_TOKEN}x`)
        .send(body);
      expect([path, wrong.status]).toEqual([path, 401]);
      const user = await t.http().post(`/api/v1/workers${path}`).set(a.auth).send(body);
      expect([path, user.status]).toEqual([path, 401]);
    }
    // the worker token opens no user route
    await t.http().get('/api/v1/workers').set('Authorization', `Bearer ${WORKER_TOKEN}`).expect(401);
    await api.deregister(w).expect(204);
  });

  it("another org's dedicated worker is 404 (get, drain) and not listed; install-wide workers count only the caller's jobs", async () => {
    const wa = (await api.register({ name: 'a-only', org_id: a.orgId, queues: ['tasks'] }).expect(201)).body
      .worker_id as string;
    const wide = (await api.register({ name: 'wide', queues: ['embeddings'], concurrency: 8 }).expect(201)).body
      .worker_id as string;
    await t.http().get(`/api/v1/workers/${wa}`).set(b.auth).expect(404);
    await t.http().post(`/api/v1/workers/${wa}/drain`).set(b.auth).send({}).expect(404);
    await t.http().get(`/api/v1/workers/${wa}`).set(a.auth).expect(200);
    const listB = await t.http().get('/api/v1/workers').query({ limit: 200 }).set(b.auth).expect(200);
    const idsB = listB.body.items.map((w: { id: string }) => w.id);
    expect(idsB).not.toContain(wa);
    expect(idsB).toContain(wide);

    // the install-wide worker takes one job of each org
    const ja = await jobs.enqueue({ orgId: a.orgId, queue: 'embeddings', kind: 'test.echo', payload: {} });
    const jb = await jobs.enqueue({ orgId: b.orgId, queue: 'embeddings', kind: 'test.echo', payload: {} });
    const claimed = await api.claim(wide, { max: 8 }).expect(200);
    expect(claimed.body.jobs.map((j: { id: string }) => j.id).sort()).toEqual([ja, jb].sort());
    expect((await t.http().get(`/api/v1/workers/${wide}`).set(a.auth).expect(200)).body.in_flight).toBe(1);
    expect((await t.http().get(`/api/v1/workers/${wide}`).set(b.auth).expect(200)).body.in_flight).toBe(1);
    for (const id of [ja, jb]) {
      await api.complete(id, wide).expect(204);
    }
    await api.deregister(wide).expect(204);
    await api.deregister(wa).expect(204);
  });

  it("a dedicated worker never claims another org's jobs", async () => {
    const wa = (await api.register({ name: 'a-ded', org_id: a.orgId, queues: ['pipelines'] }).expect(201)).body
      .worker_id as string;
    const jb = await jobs.enqueue({ orgId: b.orgId, queue: 'pipelines', kind: 'test.echo', payload: {} });
    expect((await api.claim(wa, { max: 5 }).expect(200)).body.jobs).toEqual([]);
    const wb = (await api.register({ name: 'b-ded', org_id: b.orgId, queues: ['pipelines'] }).expect(201)).body
      .worker_id as string;
    expect((await api.claim(wb, { max: 5 }).expect(200)).body.jobs.map((j: { id: string }) => j.id)).toEqual([jb]);
    await api.complete(jb, wb).expect(204);
    await api.deregister(wa).expect(204);
    await api.deregister(wb).expect(204);
  });

  it("another org's job is 404 (get, retry) and never listed; queues count only the caller's jobs", async () => {
    const wb = (await api.register({ name: 'b-fail', org_id: b.orgId, queues: ['default'] }).expect(201)).body
      .worker_id as string;
    const jb = await jobs.enqueue({ orgId: b.orgId, queue: 'default', kind: 'test.echo', payload: { secret: 1 } });
    await api.claim(wb).expect(200);
    await api.fail(jb, wb, false).expect(204);
    await t.http().get(`/api/v1/workers/jobs/${jb}`).set(a.auth).expect(404);
    await t.http().post(`/api/v1/workers/jobs/${jb}/retry`).set(a.auth).expect(404);
    await t.http().get(`/api/v1/workers/jobs/${jb}`).set(b.auth).expect(200);
    const listA = await t.http().get('/api/v1/workers/jobs').query({ limit: 200 }).set(a.auth).expect(200);
    expect(listA.body.items.every((j: { org_id: string }) => j.org_id === a.orgId)).toBe(true);
    expect(listA.body.items.map((j: { id: string }) => j.id)).not.toContain(jb);
    const qa = await t.http().get('/api/v1/workers/queues').set(a.auth).expect(200);
    const qb = await t.http().get('/api/v1/workers/queues').set(b.auth).expect(200);
    expect(qa.body.items.find((q: { queue: string }) => q.queue === 'default').depth).toBe(0);
    expect(qb.body).toMatchObject({ total: 5, next_cursor: null });
    // b's worker cannot finish a's job, even knowing its id
    const ja = await jobs.enqueue({ orgId: a.orgId, queue: 'default', kind: 'test.echo', payload: {} });
    expect((await api.complete(ja, wb).expect(409)).body.error.code).toBe('lease_lost');
    await api.deregister(wb).expect(204);
  });
});

describe('workers: disabled (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  beforeAll(async () => {
    // WORKER_TOKEN unset, features.workers off (the defaults)
    t = await startTestApp({
      REDIS_PREFIX: suitePrefix('workers-off'),
      WORKER_TOKEN: '',
      AGENTCY_FEATURES_WORKERS: 'false',
    });
    a = await registerOwner(t, 'wten-off');
  });
  afterAll(() => t?.close());

  it('WORKER_TOKEN unset → every daemon route answers 404, with or without a token', async () => {
    const api = daemonApi(t, 'anything');
    const r = await api.register().expect(404);
    expect(r.body.error.code).toBe('not_found');
    await api.heartbeat('wkr_x').expect(404);
    await api.claim('wkr_x').expect(404);
    await api.complete('wjob_x', 'wkr_x').expect(404);
    await api.fail('wjob_x', 'wkr_x').expect(404);
    await api.deregister('wkr_x').expect(404);
    await t.http().post('/api/v1/workers/register').send({}).expect(404);
  });

  it('features.workers off → the user routes answer 404 feature_disabled', async () => {
    for (const path of ['/workers', '/workers/queues', '/workers/jobs', '/workers/jobs/wjob_x', '/workers/wkr_x']) {
      const r = await t.http().get(`/api/v1${path}`).set(a.auth).expect(404);
      expect(r.body.error.code).toBe('feature_disabled');
    }
    await t.http().post('/api/v1/workers/jobs/wjob_x/retry').set(a.auth).expect(404);
    await t.http().post('/api/v1/workers/wkr_x/drain').set(a.auth).send({}).expect(404);
  });
});
