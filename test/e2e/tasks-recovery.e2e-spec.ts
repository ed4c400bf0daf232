import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api, eventually } from './chat-helpers';

const ROOT = join(__dirname, '..', '..');

/**
 * The process running a run dies (SIGKILL): BullMQ re-delivers the job once its lock lapses (~30 s)
 * to another consumer, which ends the run `failed` with error.code `interrupted` (never re-runs it).
 */
describe('tasks: a run whose process died is finished by another consumer', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let u: TestUser;
  let child: SpawnedApi | undefined;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await startTestApp({ ...fake.apiEnv, TASK_RUN_IN_API: 'false' });
    u = await registerOwner(t, 'taskrec');
  }, 60_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await child?.kill(0);
    await t?.close();
    await fake?.close();
  });

  it('SIGKILL during a run → the run ends failed/interrupted on the worker, and the model is not called again', async () => {
    fake.setDefault({ text: 'Working', hang: true });
    child = await spawnApiProcess({ ...fake.apiEnv, MIGRATIONS_RUN: 'false' });
    const task = (await api(t.baseUrl, 'POST', '/tasks', u.auth, { name: 'fragile', trigger: { kind: 'manual' } }))
      .body;
    const run = await api(t.baseUrl, 'POST', `/tasks/${task.id}/run`, u.auth, {});
    const get = async () => (await api(t.baseUrl, 'GET', `/tasks/${task.id}/runs/${run.body.run_id}`, u.auth)).body;
    await eventually(async () => (await get()).status === 'running' && fake.requests.length === 1, 30_000);
    child.signal('SIGKILL');
    await child.exited;
    let out = '';
    worker = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/worker.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...fake.apiEnv, NODE_ENV: 'test', LOG_LEVEL: 'info', MIGRATIONS_RUN: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
    worker.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
    const ended = await eventually(
      async () => {
        const r = await get();
        return ['failed', 'succeeded', 'cancelled'].includes(r.status) ? r : null;
      },
      100_000,
      500,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\nworker output:\n${out.slice(-3000)}`);
    });
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(fake.requests).toHaveLength(1);
  }, 150_000);
});
