import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api, createKubeSource, eventually, withFakeKube } from './chat-helpers';

const ROOT = join(__dirname, '..', '..');
const POD = 'web-7d9f8b6c5d-abcde';

/**
 * Three processes on one PostgreSQL + Redis: this jest process (API, TASK_RUN_IN_API=false: it
 * only produces), a second API process and a `src/worker.ts` process (both consume task queues).
 * Schedules use a seconds field (TASK_CRON_SECONDS=true, test only) so several ticks pass quickly.
 */
describe('tasks across processes: a cron tick fires exactly once; an approval decided on another process resumes the run', () => {
  let t: TestApp;
  let child: SpawnedApi;
  let worker: ChildProcess | undefined;
  let workerOut = '';
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let u: TestUser;
  const env = () => ({
    ...fake.apiEnv,
    TASK_CRON_SECONDS: 'true',
    CHAT_APPROVAL_POLL_MS: '200',
  });
  const call = (base: string, method: string, path: string, body?: unknown, who = u) =>
    api(base, method, path, who.auth, body);

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Done.' });
    kube = await withFakeKube();
    t = await startTestApp({ ...env(), TASK_RUN_IN_API: 'false' });
    u = await registerOwner(t, 'taskrep');
  }, 60_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await child?.kill(5_000);
    await t?.close();
    await fake?.close();
    await kube?.close();
  });

  /** The second API process and the worker (both consume the task queues). */
  const startConsumers = async () => {
    worker = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'src/worker.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env(), NODE_ENV: 'test', LOG_LEVEL: 'info', MIGRATIONS_RUN: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d) => (workerOut = (workerOut + d).slice(-20_000)));
    worker.stderr!.on('data', (d) => (workerOut = (workerOut + d).slice(-20_000)));
    child = await spawnApiProcess({ ...env(), MIGRATIONS_RUN: 'false' });
    await eventually(async () => workerOut.includes('Agentcy worker started'), 90_000, 250).catch((err) => {
      throw new Error(`${(err as Error).message}\nworker output:\n${workerOut.slice(-3000)}`);
    });
  };

  it('a run queued while no consumer is up stays pending and runs once one starts', async () => {
    const task = (await call(t.baseUrl, 'POST', '/tasks', { name: 'early', trigger: { kind: 'manual' } })).body;
    const run = await call(t.baseUrl, 'POST', `/tasks/${task.id}/run`, {});
    expect(run.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await call(t.baseUrl, 'GET', `/tasks/${task.id}/runs/${run.body.run_id}`)).body.status).toBe('pending');
    await startConsumers();
    const done = await eventually(async () => {
      const r = (await call(t.baseUrl, 'GET', `/tasks/${task.id}/runs/${run.body.run_id}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
    }, 30_000);
    expect(done.status).toBe('succeeded');
  }, 150_000);

  it('fires each tick of a seconds schedule once across two API processes and a worker; pause stops it', async () => {
    const task = (
      await call(t.baseUrl, 'POST', '/tasks', {
        name: 'every-2s',
        trigger: { kind: 'schedule', cron: '*/2 * * * * *' },
        input_template: { instruction: 'tick at {{ trigger.fired_at }}' },
      })
    ).body;
    expect(task.id).toMatch(/^task_/);
    const runsOf = async () =>
      (await call(child.baseUrl, 'GET', `/tasks/${task.id}/runs?limit=200`)).body.items as any[];
    // wait for at least 4 ticks (≥ 8 s)
    await eventually(async () => (await runsOf()).length >= 4, 40_000, 250);
    await call(child.baseUrl, 'POST', `/tasks/${task.id}/pause`);
    // let an in-flight tick land, then the count must stay put
    await new Promise((r) => setTimeout(r, 2_500));
    const runs = await runsOf();
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await runsOf()).length).toBe(runs.length);

    const firedAt = runs.map((r) => r.trigger.fired_at as string);
    // exactly once: no tick produced two runs
    expect(new Set(firedAt).size).toBe(firedAt.length);
    for (const r of runs) {
      expect(r.trigger.kind).toBe('schedule');
      expect(r.trigger.cron).toBe('*/2 * * * * *');
      expect(new Date(r.trigger.fired_at).getUTCSeconds() % 2).toBe(0);
      expect(r.input.instruction).toBe(`tick at ${r.trigger.fired_at}`);
    }
    // consecutive ticks (2 s apart) with no duplicates; a tick may only be missing when a run was still active
    const times = firedAt.map((f) => Date.parse(f)).sort((a, b) => a - b);
    expect((times[times.length - 1] - times[0]) / 2000 + 1).toBeGreaterThanOrEqual(runs.length);
    await eventually(async () => (await runsOf()).every((r) => r.status === 'succeeded'), 20_000);
  }, 90_000);

  it('a run waiting for an approval on one process resumes when it is decided through another process', async () => {
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
    const approver = await addMember(t, u, 'admin', 'taskapprover');
    fake.reset();
    fake.setDefault({ text: 'Done.' });
    fake.script(
      {
        toolCalls: [
          {
            name: 'execute_connector_tool',
            arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: POD } },
          },
        ],
      },
      { text: 'Pod deleted.' },
    );
    const task = (
      await call(t.baseUrl, 'POST', '/tasks', {
        name: 'cleanup',
        trigger: { kind: 'manual' },
        input_template: { instruction: 'delete the stuck pod {{ trigger.input.pod }}' },
      })
    ).body;
    // started through the jest process (which consumes nothing): run by the child API or the worker
    const started = await call(t.baseUrl, 'POST', `/tasks/${task.id}/run`, { input: { pod: POD } });
    expect(started.status).toBe(202);
    const runId = started.body.run_id;
    const waiting = await eventually(async () => {
      const r = (await call(t.baseUrl, 'GET', `/tasks/${task.id}/runs/${runId}`)).body;
      return r.status === 'awaiting_approval' ? r : null;
    }, 30_000);
    expect(waiting.waiting_approval).toBe(true);
    const pending = waiting.transcript.tool_calls.find((c: any) => c.status === 'pending_approval');
    expect(pending).toMatchObject({ tool: 'kubernetes.delete_pod', approval_id: expect.any(String) });
    expect(kube.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);

    // decided through the jest process's API: not the process running the turn
    const decided = await call(
      t.baseUrl,
      'POST',
      `/chat/approvals/${pending.approval_id}`,
      { approved: true },
      approver,
    );
    expect(decided.status).toBe(200);
    const done = await eventually(async () => {
      const r = (await call(child.baseUrl, 'GET', `/tasks/${task.id}/runs/${runId}`)).body;
      return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : null;
    }, 30_000);
    expect(done).toMatchObject({ status: 'succeeded', waiting_approval: false, output: 'Pod deleted.' });
    expect(done.transcript.tool_calls[0]).toMatchObject({ tool: 'kubernetes.delete_pod', status: 'completed' });
    expect(kube.requests.filter((r) => r.method === 'DELETE' && r.path.includes(POD))).toHaveLength(1);
  }, 90_000);
});
