import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SyncScheduler } from 'src/modules/sources/sync-scheduler.service';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { suitePrefix, testUploadDir, waitForJob } from './sources-helpers';

/** Queue behaviour: per-org fairness, one job per source, retries of transient errors only. */
describe('ingestion queue: fairness, retries (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  const files = new Map<string, { status: number; body: string; delayMs: number }>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const f = files.get(req.url ?? '');
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    if (!f) {
      return void res.writeHead(404).end();
    }
    setTimeout(
      () => !res.destroyed && res.writeHead(f.status, { 'content-type': 'text/csv' }).end(f.body),
      f.delayMs,
    ).unref();
  });
  let base: string;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({
      REDIS_PREFIX: suitePrefix('queue'),
      UPLOAD_DIR: testUploadDir(),
      INGEST_CONCURRENCY: '2',
      INGEST_ORG_CONCURRENCY: '1',
    });
    a = await registerOwner(t, 'qa');
    b = await registerOwner(t, 'qb');
  });

  afterAll(async () => {
    await t?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const create = async (u: TestUser, name: string, path: string) => {
    files.set(path, { status: 200, body: 'id,name\n1,one\n2,two\n', delayMs: 0 });
    const r = await t
      .http()
      .post('/api/v1/sources')
      .set(u.auth)
      .send({ name, source_type: 'csv', config: { url: `${base}${path}`, key_column: 'id' } })
      .expect(201);
    return r.body.id as string;
  };

  it('a busy org cannot take every slot: another org runs while the first org waits its turn', async () => {
    const a1 = await create(a, 'a1', '/a1.csv');
    const a2 = await create(a, 'a2', '/a2.csv');
    const b1 = await create(b, 'b1', '/b1.csv');
    files.get('/a1.csv')!.delayMs = 1200;
    files.get('/a2.csv')!.delayMs = 1200;
    const j1 = (await t.http().post(`/api/v1/sources/${a1}/sync`).set(a.auth).send({}).expect(202)).body.id;
    const j2 = (await t.http().post(`/api/v1/sources/${a2}/sync`).set(a.auth).send({}).expect(202)).body.id;
    await new Promise((r) => setTimeout(r, 100));
    const jb = (await t.http().post(`/api/v1/sources/${b1}/sync`).set(b.auth).send({}).expect(202)).body.id;
    const [r1, r2, rb] = await Promise.all([
      waitForJob(t, a.auth, a1, j1),
      waitForJob(t, a.auth, a2, j2),
      waitForJob(t, b.auth, b1, jb),
    ]);
    for (const r of [r1, r2, rb]) {
      expect(r.status).toBe('succeeded');
    }
    const iv = (r: { started_at: string; finished_at: string }) => [
      Date.parse(r.started_at),
      Date.parse(r.finished_at),
    ];
    const [s1, f1] = iv(r1);
    const [s2, f2] = iv(r2);
    const [sb, fb] = iv(rb);
    // org A's jobs never overlapped (INGEST_ORG_CONCURRENCY=1)
    expect(s2 >= f1 || s1 >= f2).toBe(true);
    // org B's job, queued last, did not wait for both of A's jobs
    expect(sb).toBeLessThan(Math.max(s1, s2));
    expect(fb).toBeLessThan(Math.max(f1, f2));
  });

  it('retries transient upstream errors with backoff, then fails; permanent errors fail at once', async () => {
    const flaky = await create(a, 'flaky', '/flaky.csv');
    files.set('/flaky.csv', { status: 503, body: 'down', delayMs: 0 });
    hits.set('/flaky.csv', 0);
    const j = (await t.http().post(`/api/v1/sources/${flaky}/sync`).set(a.auth).send({}).expect(202)).body.id;
    const failed = await waitForJob(t, a.auth, flaky, j, ['failed', 'succeeded'], 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(3);
    expect(failed.error).toMatchObject({ code: 'source_validation_failed' });
    expect(hits.get('/flaky.csv')).toBe(3);
    // backoff: 1 s then 2 s between attempts
    expect(Date.parse(failed.finished_at) - Date.parse(failed.queued_at)).toBeGreaterThanOrEqual(2900);

    const broken = await create(a, 'broken', '/broken.csv');
    files.set('/broken.csv', { status: 200, body: 'other,cols\n1,2\n', delayMs: 0 });
    const j2 = (await t.http().post(`/api/v1/sources/${broken}/sync`).set(a.auth).send({}).expect(202)).body.id;
    const perm = await waitForJob(t, a.auth, broken, j2);
    expect(perm.status).toBe('failed');
    expect(perm.attempts).toBe(1);
    expect(perm.error.code).toBe('validation_failed');
  });

  it('scheduled syncs fire once per cron slot and never retroactively', async () => {
    files.set('/sched.csv', { status: 200, body: 'id,name\n1,one\n', delayMs: 0 });
    const bad = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'sched-bad', source_type: 'csv', schedule: 'every hour', config: { url: `${base}/sched.csv` } })
      .expect(400);
    expect(bad.body.error.details.fields[0].field).toBe('schedule');
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'sched', source_type: 'csv', schedule: '0 * * * *', config: { url: `${base}/sched.csv` } })
      .expect(201);
    expect(src.body.schedule).toBe('0 * * * *');
    const scheduler = t.app.get(SyncScheduler);
    const mine = async (ids: string[]) => {
      const jobs = await Promise.all(ids.map((id) => t.http().get(`/api/v1/ingestion/jobs/${id}`).set(a.auth)));
      return jobs.filter((j) => j.status === 200 && j.body.source_id === src.body.id).map((j) => j.body);
    };
    expect(await mine(await scheduler.tick(new Date('2030-01-01T10:30:00Z')))).toHaveLength(0); // first sight: only records the slot
    expect(await mine(await scheduler.tick(new Date('2030-01-01T10:59:00Z')))).toHaveLength(0);
    const fired = await mine(await scheduler.tick(new Date('2030-01-01T11:00:30Z')));
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({ trigger: 'schedule', requested_by: null });
    expect(await mine(await scheduler.tick(new Date('2030-01-01T11:20:00Z')))).toHaveLength(0);
    expect((await waitForJob(t, a.auth, src.body.id, fired[0].id)).status).toBe('succeeded');
    const status = await t.http().get('/api/v1/ingestion/status').set(a.auth).expect(200);
    expect(status.body.items.find((x: { source_id: string }) => x.source_id === src.body.id).next_run_at).toMatch(
      /:00:00\.000Z$/,
    );
  });

  it('cancels a job that is still waiting for its org slot; the running one is unaffected', async () => {
    const c1 = await create(a, 'c1', '/c1.csv');
    const c2 = await create(a, 'c2', '/c2.csv');
    files.get('/c1.csv')!.delayMs = 1500;
    const j1 = (await t.http().post(`/api/v1/sources/${c1}/sync`).set(a.auth).send({}).expect(202)).body.id;
    await waitForJob(t, a.auth, c1, j1, ['validating', 'running']);
    const j2 = (await t.http().post(`/api/v1/sources/${c2}/sync`).set(a.auth).send({}).expect(202)).body.id;
    await new Promise((r) => setTimeout(r, 300));
    const waiting = await t.http().get(`/api/v1/sources/${c2}/jobs/${j2}`).set(a.auth).expect(200);
    expect(waiting.body.status).toBe('queued');
    const cancelled = await t.http().post(`/api/v1/sources/${c2}/jobs/${j2}/cancel`).set(a.auth).send({}).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await waitForJob(t, a.auth, c1, j1)).status).toBe('succeeded');
    const after = await t.http().get(`/api/v1/sources/${c2}/jobs/${j2}`).set(a.auth).expect(200);
    expect(after.body).toMatchObject({ status: 'cancelled', started_at: null });
  });
});
