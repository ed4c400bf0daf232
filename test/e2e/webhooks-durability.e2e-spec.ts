import { OrgEvents } from '@libs/events/org-events';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api, eventually } from './chat-helpers';
import { startReceiver, type Receiver } from './webhooks-helpers';

/**
 * The outbox is PostgreSQL: a delivery written while no dispatcher runs, or claimed by a process
 * that is killed mid-request, is delivered by the next process once its lease ran out.
 */
describe('webhooks: outbound deliveries survive an API kill (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let rx: Receiver;
  const children: SpawnedApi[] = [];
  const dispatcherEnv = {
    MIGRATIONS_RUN: 'false',
    WEBHOOK_DISPATCH: 'true',
    WEBHOOK_DISPATCH_INTERVAL_MS: '50',
    WEBHOOK_LEASE_MS: '2000',
    WEBHOOK_DELIVERY_TIMEOUT_MS: '60000',
    TASK_RUN_IN_API: 'false',
  };
  const deliveriesOf = async (hookId: string) =>
    (await api(t.baseUrl, 'GET', `/webhooks/${hookId}/deliveries`, owner.auth)).body;

  beforeAll(async () => {
    rx = await startReceiver();
    // this process writes the outbox but never dispatches: only the spawned processes deliver
    t = await startTestApp({ WEBHOOK_DISPATCH: 'false' });
    owner = await registerOwner(t, 'wh-durable');
  });
  afterAll(async () => {
    for (const c of children) {
      await c.kill(2000).catch(() => undefined);
    }
    await t?.close();
    await rx?.close();
  });

  it('a pending delivery waits for a dispatcher; one killed mid-delivery leaves it to the next process, which delivers it', async () => {
    rx.respond = (_c, n) => (n === 1 ? 'hang' : 200);
    const sub = await api(t.baseUrl, 'POST', '/webhooks', owner.auth, {
      name: 'durable',
      url: `${rx.url}/durable`,
      events: ['task_run.failed'],
    });
    expect(sub.status).toBe(201);
    await t.app
      .get(OrgEvents)
      .publish(owner.orgId, 'task_run.failed', { run_id: 'run_z', task_id: null, status: 'failed' });
    await new Promise((r) => setTimeout(r, 300));
    const pending = await deliveriesOf(sub.body.id);
    expect(pending.total).toBe(1);
    expect(pending.items[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(rx.calls).toHaveLength(0);

    const first = await spawnApiProcess(dispatcherEnv, { startTimeoutMs: 60_000 });
    children.push(first);
    await eventually(async () => rx.calls.length >= 1, 30_000);
    const claimed = (await deliveriesOf(sub.body.id)).items[0];
    expect(claimed).toMatchObject({ status: 'pending', attempts: 1 });
    first.signal('SIGKILL');
    await first.exited;

    const second = await spawnApiProcess(dispatcherEnv, { startTimeoutMs: 60_000 });
    children.push(second);
    const done = await eventually(async () => {
      const d = (await deliveriesOf(sub.body.id)).items[0];
      return d.status === 'succeeded' ? d : null;
    }, 30_000);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, http_status: 200 });
    expect(rx.calls).toHaveLength(2);
    expect(rx.calls[1].headers['x-agentcy-delivery']).toBe(done.id);
    expect((await deliveriesOf(sub.body.id)).total).toBe(1); // one event, one delivery row

    // SIGTERM: the dispatcher loop stops cleanly and the process exits 0
    await second.kill(10_000);
    expect(await second.exited).toBe(0);
  });
});
