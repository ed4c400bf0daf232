import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { suitePrefix, testUploadDir, waitForJob } from './sources-helpers';

const ROOT = join(__dirname, '..', '..');

/** INGEST_RUN_IN_API=false: the API only queues; a separate `src/worker.ts` process runs the job. */
describe('ingestion worker process (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let worker: ChildProcess | undefined;
  let out = '';
  const prefix = suitePrefix('worker');
  const uploadDir = testUploadDir();

  beforeAll(async () => {
    t = await startTestApp({ REDIS_PREFIX: prefix, UPLOAD_DIR: uploadDir, INGEST_RUN_IN_API: 'false' });
    a = await registerOwner(t, 'wrk');
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await t?.close();
  });

  it('leaves the job queued until a worker process picks it up', async () => {
    const up = await t
      .http()
      .post('/api/v1/ingestion/upload')
      .set(a.auth)
      .attach('file', Buffer.from('id,name\n1,a\n2,b\n'), { filename: 'w.csv', contentType: 'text/csv' })
      .field('key', 'id')
      .expect(202);
    const sourceId = up.body.source.id;
    await new Promise((r) => setTimeout(r, 1500));
    const still = await t.http().get(`/api/v1/sources/${sourceId}/jobs/${up.body.job.id}`).set(a.auth).expect(200);
    expect(still.body.status).toBe('queued');

    worker = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/worker.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        REDIS_PREFIX: prefix,
        UPLOAD_DIR: uploadDir,
        LOG_LEVEL: 'info',
        INGEST_RUN_IN_API: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (out += d));
    worker.stderr!.on('data', (d) => (out += d));
    let job;
    try {
      job = await waitForJob(t, a.auth, sourceId, up.body.job.id, ['succeeded', 'failed'], 90_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nworker output:\n${out.slice(-3000)}`, { cause: err });
    }
    expect(job.status).toBe('succeeded');
    expect(job.stats.nodes_written).toBe(2);
    expect(out).toContain('Agentcy worker started');
  });
});
