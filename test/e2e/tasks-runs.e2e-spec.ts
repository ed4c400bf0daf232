import type { Principal } from '@libs/auth/principal';
import { TaskRunQueue } from '@libs/queue';
import { TasksContract } from 'src/modules/tasks/tasks.contract';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { openWs } from '../support/ws-client';
import { api, createKubeSource, eventually, withFakeKube } from './chat-helpers';

describe('tasks: runs (manual, history, transcript, 409, cancel, pause/resume, delete, timeout, WebSocket)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let u: TestUser;
  let other: TestUser;
  const call = (method: string, path: string, body?: unknown, who = u) => api(t.baseUrl, method, path, who.auth, body);
  const create = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/tasks', body);
    if (res.status !== 201) {
      throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as { id: string; name: string };
  };
  const getRun = async (taskId: string, runId: string) => (await call('GET', `/tasks/${taskId}/runs/${runId}`)).body;
  const waitStatus = (taskId: string, runId: string, statuses: string[], timeoutMs = 20_000) =>
    eventually(async () => {
      const r = await getRun(taskId, runId);
      return statuses.includes(r.status) ? r : null;
    }, timeoutMs);
  const hang = { text: 'Working on it', hang: true };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp({ ...fake.apiEnv, CHAT_APPROVAL_POLL_MS: '200' });
    u = await registerOwner(t, 'runs');
    other = await registerOwner(t, 'runs-other');
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await kube?.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.setDefault({ text: 'Done.' });
  });

  it('manual run: 202 {run_id}, pending → running → succeeded, rendered input, transcript, history newest first', async () => {
    const task = await create({
      name: 'summarise',
      trigger: { kind: 'manual' },
      input_template: {
        instruction: 'Summarise {{ trigger.input.repo }} for {{ trigger.input.team }}{{ trigger.input.missing }}.',
        details: {
          who: '{{ trigger.user_id }}',
          labels: '{{ trigger.input.labels }}',
          first: '{{ trigger.input.labels[0] }}',
        },
        constant: 42,
      },
    });
    fake.script({ text: 'Three PRs are open.' });
    const res = await call('POST', `/tasks/${task.id}/run`, {
      input: { repo: 'acme/api', team: 'eng', labels: ['a', 'b'] },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ run_id: expect.stringMatching(/^run_[0-9a-f]{32}$/), status: 'pending' });
    const run = await waitStatus(task.id, res.body.run_id, ['succeeded', 'failed']);
    expect(run).toMatchObject({
      id: res.body.run_id,
      task_id: task.id,
      task_name: 'summarise',
      status: 'succeeded',
      waiting_approval: false,
      trigger: { kind: 'manual', user_id: u.userId, input: { repo: 'acme/api' } },
      input: {
        instruction: 'Summarise acme/api for eng.',
        details: { who: u.userId, labels: '["a","b"]', first: 'a' },
        constant: 42,
      },
      output: 'Three PRs are open.',
      error: null,
      conversation_id: expect.any(String),
      started_at: expect.any(String),
      finished_at: expect.any(String),
    });
    const user = run.transcript.messages.find((m: any) => m.role === 'user');
    expect(user.content).toContain('Summarise acme/api for eng.');
    expect(user.content).toContain('"constant":42');
    expect(run.transcript.messages.find((m: any) => m.role === 'assistant').content).toBe('Three PRs are open.');
    expect(run.transcript.tool_calls).toEqual([]);
    // the model got the rendered instruction
    expect(JSON.stringify(fake.requests[0].body.messages)).toContain('Summarise acme/api for eng.');

    const second = await call('POST', `/tasks/${task.id}/run`, {});
    await waitStatus(task.id, second.body.run_id, ['succeeded', 'failed']);
    const page = await call('GET', `/tasks/${task.id}/runs?limit=1`);
    expect(page.body.items.map((r: any) => r.id)).toEqual([second.body.run_id]);
    expect(page.body.total).toBe(2);
    const next = await call(
      'GET',
      `/tasks/${task.id}/runs?limit=1&cursor=${encodeURIComponent(page.body.next_cursor)}`,
    );
    expect(next.body.items.map((r: any) => r.id)).toEqual([res.body.run_id]);
    // the conversation is a normal one (source task) readable through the chat API
    const conv = await call('GET', `/chat/conversations/${run.conversation_id}`);
    expect(conv.status).toBe(200);
  });

  it('409 run_in_progress while a run is pending/running unless force; cancel stops a running turn; cancelling again → 409', async () => {
    const task = await create({ name: 'long', trigger: { kind: 'manual' }, input_template: { instruction: 'go' } });
    fake.script(hang);
    const first = await call('POST', `/tasks/${task.id}/run`, {});
    expect(first.status).toBe(202);
    await waitStatus(task.id, first.body.run_id, ['running']);
    await eventually(async () => fake.requests.length >= 1);
    const busy = await call('POST', `/tasks/${task.id}/run`, {});
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('run_in_progress');
    const forced = await call('POST', `/tasks/${task.id}/run`, { force: true });
    expect(forced.status).toBe(202);
    await waitStatus(task.id, forced.body.run_id, ['succeeded']);

    const cancel = await call('POST', `/tasks/${task.id}/runs/${first.body.run_id}/cancel`);
    expect(cancel.status).toBe(202);
    const ended = await waitStatus(task.id, first.body.run_id, ['cancelled', 'failed', 'succeeded'], 5_000);
    expect(ended.status).toBe('cancelled');
    expect(ended.finished_at).toEqual(expect.any(String));
    const again = await call('POST', `/tasks/${task.id}/runs/${first.body.run_id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('run_finished');
    // a new run is possible again
    expect((await call('POST', `/tasks/${task.id}/run`, {})).status).toBe(202);
  });

  it('pause/resume: a paused task refuses runs (409 task_disabled) and has no scheduler; resume restores both', async () => {
    const queue = t.app.get(TaskRunQueue);
    const task = await create({ name: 'nightly', trigger: { kind: 'schedule', cron: '0 3 * * *' } });
    expect(await queue.scheduleNext(task.id)).toEqual(expect.any(Number));
    const paused = await call('POST', `/tasks/${task.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ enabled: false, next_fire_at: null });
    expect(await queue.scheduleNext(task.id)).toBeNull();
    const refused = await call('POST', `/tasks/${task.id}/run`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('task_disabled');
    const resumed = await call('POST', `/tasks/${task.id}/resume`);
    expect(resumed.body.enabled).toBe(true);
    expect(await queue.scheduleNext(task.id)).toEqual(expect.any(Number));
    // PATCH enabled works the same way; a trigger change away from schedule removes the scheduler
    await call('PATCH', `/tasks/${task.id}`, { enabled: false });
    expect(await queue.scheduleNext(task.id)).toBeNull();
    await call('PATCH', `/tasks/${task.id}`, { enabled: true });
    expect(await queue.scheduleNext(task.id)).toEqual(expect.any(Number));
    await call('PATCH', `/tasks/${task.id}`, { trigger: { kind: 'manual' } });
    expect(await queue.scheduleNext(task.id)).toBeNull();
    await call('PATCH', `/tasks/${task.id}`, { trigger: { kind: 'schedule', cron: '@hourly' } });
    expect(await queue.scheduleNext(task.id)).toEqual(expect.any(Number));
    expect((await call('DELETE', `/tasks/${task.id}`)).status).toBe(204);
    expect(await queue.scheduleNext(task.id)).toBeNull();
  });

  it('delete cancels the running run (its history stays readable)', async () => {
    const task = await create({ name: 'doomed', trigger: { kind: 'manual' } });
    fake.script(hang);
    const run = await call('POST', `/tasks/${task.id}/run`, {});
    await waitStatus(task.id, run.body.run_id, ['running']);
    await eventually(async () => fake.requests.length >= 1);
    expect((await call('DELETE', `/tasks/${task.id}`)).status).toBe(204);
    expect((await call('GET', `/tasks/${task.id}`)).status).toBe(404);
    const ended = await waitStatus(task.id, run.body.run_id, ['cancelled', 'failed', 'succeeded'], 5_000);
    expect(ended.status).toBe('cancelled');
  });

  it('timeout_secs: a run that takes longer ends failed with error.code timeout', async () => {
    const task = await create({ name: 'slowpoke', trigger: { kind: 'manual' }, timeout_secs: 10 });
    fake.script(hang);
    const run = await call('POST', `/tasks/${task.id}/run`, {});
    const ended = await waitStatus(task.id, run.body.run_id, ['failed', 'cancelled', 'succeeded'], 25_000);
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
  }, 40_000);

  it('WebSocket: task_run:<id> carries task_run.updated and task_run.finished; another org cannot subscribe', async () => {
    const task = await create({ name: 'watched', trigger: { kind: 'manual' } });
    fake.setDefault(hang);
    const run = await call('POST', `/tasks/${task.id}/run`, {});
    const ws = await openWs(t.baseUrl, { token: u.token });
    const intruder = await openWs(t.baseUrl, { token: other.token });
    try {
      await ws.next((m) => m.type === 'welcome');
      const ack = await ws.subscribe([`task_run:${run.body.run_id}`, 'task_runs']);
      expect(ack.data?.topics).toEqual([`task_run:${run.body.run_id}`, 'task_runs']);
      await intruder.next((m) => m.type === 'welcome');
      const refused = await intruder.subscribe([`task_run:${run.body.run_id}`]);
      expect(refused.data?.rejected).toEqual([`task_run:${run.body.run_id}`]);

      await waitStatus(task.id, run.body.run_id, ['running']);
      await eventually(async () => fake.requests.length >= 1);
      await call('POST', `/tasks/${task.id}/runs/${run.body.run_id}/cancel`);
      const updated = await ws.next(
        (m) => m.type === 'task_run.updated' && m.data?.run_id === run.body.run_id && m.data?.status === 'cancelled',
        10_000,
      );
      expect(updated.data).toMatchObject({
        task_id: task.id,
        task_name: 'watched',
        created_by: u.userId,
        waiting_approval: false,
      });
      const finished = await ws.next((m) => m.type === 'task_run.finished', 10_000);
      expect(finished.data).toMatchObject({ run_id: run.body.run_id, status: 'cancelled', created_by: u.userId });
      // a failed run → task_run.failed on the plain topic
      fake.script({ status: 401, error: { message: 'bad key', type: 'invalid_request_error' } });
      const bad = await call('POST', `/tasks/${task.id}/run`, {});
      const failed = await ws.next((m) => m.type === 'task_run.failed' && m.data?.run_id === bad.body.run_id, 20_000);
      expect(failed.data).toMatchObject({
        status: 'failed',
        task_name: 'watched',
        error: { code: expect.any(String) },
      });
      expect(intruder.messages.filter((m) => String(m.type).startsWith('task_run.'))).toEqual([]);
    } finally {
      await ws.close();
      await intruder.close();
    }
  });

  it('cancel while the run awaits an approval: the wait ends, the run ends cancelled and the tool never runs', async () => {
    const task = await create({ name: 'risky', trigger: { kind: 'manual' } });
    fake.script({
      toolCalls: [
        {
          name: 'execute_connector_tool',
          arguments: {
            tool: 'prod-cluster.delete_pod',
            arguments: { namespace: 'prod', name: 'web-7d9f8b6c5d-abcde' },
          },
        },
      ],
    });
    const run = await call('POST', `/tasks/${task.id}/run`, {});
    const waiting = await waitStatus(task.id, run.body.run_id, ['awaiting_approval']);
    expect(waiting.waiting_approval).toBe(true);
    expect((await call('POST', `/tasks/${task.id}/runs/${run.body.run_id}/cancel`)).status).toBe(202);
    const ended = await waitStatus(task.id, run.body.run_id, ['cancelled', 'failed', 'succeeded'], 5_000);
    expect(ended).toMatchObject({ status: 'cancelled', waiting_approval: false });
    expect(ended.transcript.tool_calls[0].status).not.toBe('completed');
    expect(kube.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('TasksContract: create validates like POST /tasks; fireAdHoc runs an agent without a task; fire refuses a paused task', async () => {
    const tasks = t.app.get(TasksContract);
    const p: Principal = {
      kind: 'user',
      userId: u.userId,
      orgId: u.orgId,
      role: 'owner',
      email: u.email,
      platformAdmin: false,
      authProvider: 'local',
    };
    await expect(
      tasks.create(p, { name: 'x', trigger: { kind: 'schedule', cron: '* * * * * *' } }),
    ).rejects.toMatchObject({
      status: 400,
    });
    await expect(tasks.create(p, { name: 'x', trigger: { kind: 'manual' }, bogus: 1 })).rejects.toMatchObject({
      status: 400,
    });
    const made = await tasks.create(p, { name: 'from-contract', trigger: { kind: 'manual' }, enabled: false });
    expect(made.id).toMatch(/^task_/);
    expect((await tasks.listForOrg(u.orgId)).map((x) => x.id)).toContain(made.id);
    await expect(tasks.fire(u.orgId, made.id, { kind: 'fire', body: {} })).rejects.toMatchObject({
      code: 'task_disabled',
    });
    await expect(tasks.fire(other.orgId, made.id, { kind: 'fire', body: {} })).rejects.toMatchObject({ status: 404 });

    fake.script({ text: 'Handled the alert.' });
    const { runId } = await tasks.fireAdHoc(
      u.orgId,
      { agent: 'default', inputTemplate: { instruction: 'Alert: {{ trigger.body.name }}' } },
      { kind: 'webhook', body: { name: 'disk full' }, webhook_id: 'wh_1' },
    );
    await eventually(async () => (await tasks.runStatus(u.orgId, runId)) === 'succeeded');
    expect(await tasks.runStatus(other.orgId, runId)).toBeNull();
    expect(JSON.stringify(fake.requests[0].body.messages)).toContain('Alert: disk full');
  });
});
