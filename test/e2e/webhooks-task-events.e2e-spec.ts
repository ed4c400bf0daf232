import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { api, eventually } from './chat-helpers';
import { postSigned, startReceiver, type Receiver } from './webhooks-helpers';

/** The whole loop on real task runs: a signed inbound call runs a task, its end is delivered outbound. */
describe('webhooks: inbound call → task run → outbound task_run.* delivery (e2e)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let rx: Receiver;
  let u: TestUser;
  const call = (method: string, path: string, body?: unknown) => api(t.baseUrl, method, path, u.auth, body);

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    rx = await startReceiver();
    t = await startTestApp({ ...fake.apiEnv, WEBHOOK_DISPATCH_INTERVAL_MS: '50' });
    u = await registerOwner(t, 'wh-loop');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await rx?.close();
  });

  it('a signed alert runs the task; task_run.finished and task_run.failed reach their subscribers with the run id', async () => {
    const task = await call('POST', '/tasks', {
      name: 'triage',
      agent: 'default',
      trigger: { kind: 'webhook' },
      input_template: { instruction: 'Triage {{ trigger.body.alert }}' },
    });
    expect(task.status).toBe(201);
    const finished = await call('POST', '/webhooks', {
      name: 'done',
      url: `${rx.url}/done`,
      events: ['task_run.finished'],
    });
    const failed = await call('POST', '/webhooks', {
      name: 'fail',
      url: `${rx.url}/fail`,
      events: ['task_run.failed'],
    });
    expect([finished.status, failed.status]).toEqual([201, 201]);

    fake.script({ text: 'Looks like a noisy neighbour.' });
    const ok = await postSigned(t.baseUrl, task.body.id, task.body.trigger.secret, { alert: 'HighCPU' });
    expect(ok.status).toBe(202);
    const done = await eventually(async () => rx.calls.find((c) => c.path === '/done'), 30_000);
    expect(JSON.parse(done.body)).toMatchObject({
      type: 'task_run.finished',
      org_id: u.orgId,
      data: { run_id: ok.body.run_id, task_id: task.body.id, status: 'succeeded' },
    });
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes('Triage HighCPU'))).toBe(true);

    fake.script({ status: 401, error: { message: 'bad key', type: 'invalid_request_error' } });
    const bad = await call('POST', `/triggers/${task.body.id}/fire`, { alert: 'Disk' });
    expect(bad.status).toBe(202);
    const fail = await eventually(async () => rx.calls.find((c) => c.path === '/fail'), 30_000);
    expect(JSON.parse(fail.body)).toMatchObject({
      type: 'task_run.failed',
      data: { run_id: bad.body.run_id, status: 'failed' },
    });
    // each subscriber only got its own event
    expect(rx.calls.filter((c) => c.path === '/done')).toHaveLength(1);
    expect(rx.calls.filter((c) => c.path === '/fail')).toHaveLength(1);
    const log = (await call('GET', `/webhooks/${task.body.id}/deliveries`)).body;
    expect(log.items[0]).toMatchObject({ run_id: ok.body.run_id, status: 'accepted' });
  });
});
