import { OrgEvents } from '@libs/events/org-events';
import { createHmac } from 'node:crypto';
import { WebhooksRepository } from 'src/modules/webhooks/webhooks.repository';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { api, eventually } from './chat-helpers';
import { startReceiver, type Receiver } from './webhooks-helpers';

const ATTEMPTS = 4;

describe('webhooks: outbound subscriptions, PostgreSQL outbox, retries, dead letters (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;
  let rx: Receiver;
  const call = (who: TestUser, method: string, path: string, body?: unknown) =>
    api(t.baseUrl, method, path, who.auth, body);
  const subscribe = async (who: TestUser, path: string, events: string[]) => {
    const res = await call(who, 'POST', '/webhooks', { name: `sub-${path}`, url: `${rx.url}${path}`, events });
    if (res.status !== 201) {
      throw new Error(`subscribe failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as { id: string; secret: string; direction: string };
  };
  const onlyDelivery = (who: TestUser, hookId: string, statuses: string[]) =>
    eventually(async () => {
      const log = (await call(who, 'GET', `/webhooks/${hookId}/deliveries`)).body;
      const d = log.items?.[0];
      return d && statuses.includes(d.status) ? d : null;
    }, 30_000);
  const callsTo = (path: string) => rx.calls.filter((c) => c.path === path);

  beforeAll(async () => {
    rx = await startReceiver();
    t = await startTestApp({
      EGRESS_ALLOW: '127.0.0.1/32',
      WEBHOOK_DELIVERY_ATTEMPTS: String(ATTEMPTS),
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
      WEBHOOK_DISPATCH_INTERVAL_MS: '50',
      WEBHOOK_DELIVERY_TIMEOUT_MS: '3000',
      TASK_RUN_IN_API: 'false',
    });
    owner = await registerOwner(t, 'wh-out');
    other = await registerOwner(t, 'wh-out-other');
  });
  afterAll(async () => {
    await t?.close();
    await rx?.close();
  });

  it('retries 500, 500 then 200: succeeded after 3 attempts, each signed over "<ts>.<body>" with the subscription secret', async () => {
    rx.respond = (c) => (c.path === '/flaky' && callsTo('/flaky').length <= 2 ? 500 : 200);
    const sub = await subscribe(owner, '/flaky', ['task_run.failed']);
    expect(sub.direction).toBe('outbound');
    expect(sub.secret).toMatch(/^whsec_/);
    await t.app.get(OrgEvents).publish(owner.orgId, 'task_run.failed', {
      run_id: 'run_x',
      task_id: null,
      status: 'failed',
      error: { code: 'boom' },
    });

    const d = await onlyDelivery(owner, sub.id, ['succeeded', 'dead']);
    expect(d).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      http_status: 200,
      direction: 'outbound',
      event_type: 'task_run.failed',
    });
    expect(typeof d.latency_ms).toBe('number');
    const got = callsTo('/flaky');
    expect(got).toHaveLength(3);
    const last = got[2];
    const body = JSON.parse(last.body);
    expect(body).toMatchObject({
      type: 'task_run.failed',
      org_id: owner.orgId,
      data: { run_id: 'run_x', status: 'failed' },
    });
    expect(body.id).toMatch(/^evt_/);
    expect(last.headers['x-agentcy-event']).toBe('task_run.failed');
    expect(last.headers['x-agentcy-delivery']).toBe(d.id);
    const ts = String(last.headers['x-agentcy-timestamp']);
    const expected = `sha256=${createHmac('sha256', sub.secret).update(`${ts}.${last.body}`).digest('hex')}`;
    expect(last.headers['x-agentcy-signature']).toBe(expected);
    // every attempt carries the same event id
    expect(new Set(got.map((c) => JSON.parse(c.body).id)).size).toBe(1);

    const detail = (await call(owner, 'GET', `/webhooks/${sub.id}/deliveries/${d.id}`)).body;
    expect(JSON.parse(detail.body)).toMatchObject({ type: 'task_run.failed' });
    expect(detail.response_body).toBe('ok');
  });

  it('a receiver that always fails: dead after WEBHOOK_DELIVERY_ATTEMPTS, visible in the log; redeliver makes a new attempt now', async () => {
    let healthy = false;
    rx.respond = (c) => (c.path === '/down' && !healthy ? 503 : 200);
    const sub = await subscribe(owner, '/down', ['approval.created']);
    await t.app
      .get(OrgEvents)
      .publish(owner.orgId, 'approval.created', { approval_id: 'apr_1', conversation_id: 'c1', tool: 'kubectl' });
    const dead = await onlyDelivery(owner, sub.id, ['dead']);
    expect(dead).toMatchObject({ status: 'dead', attempts: ATTEMPTS, http_status: 503, error_code: 'http_error' });
    expect(callsTo('/down')).toHaveLength(ATTEMPTS);
    const deadList = (await call(owner, 'GET', `/webhooks/${sub.id}/deliveries?status=dead`)).body;
    expect(deadList.total).toBe(1);
    expect((await call(owner, 'GET', `/webhooks/${sub.id}`)).body.delivery_stats).toMatchObject({ failed: 1 });

    healthy = true;
    const again = await call(owner, 'POST', `/webhooks/${sub.id}/deliveries/${dead.id}/redeliver`);
    expect(again.status).toBe(202);
    const ok = await eventually(async () => {
      const d = (await call(owner, 'GET', `/webhooks/${sub.id}/deliveries/${again.body.delivery_id}`)).body;
      return d.status === 'succeeded' ? d : null;
    });
    expect(ok).toMatchObject({ attempts: 1, source: 'redeliver', replay_of: dead.id });
    expect(JSON.parse(callsTo('/down').at(-1)!.body).data.approval_id).toBe('apr_1');
  });

  it('a real event: a failed source sync is delivered as source.sync.failed (and only to subscribers of that event and org)', async () => {
    rx.respond = () => 200;
    const sub = await subscribe(owner, '/sync', ['source.sync.failed', 'source.sync.completed']);
    const unrelated = await subscribe(owner, '/unrelated', ['task_run.finished']);
    const theirs = await subscribe(other, '/theirs', ['source.sync.failed']);
    const disabled = await subscribe(owner, '/disabled', ['source.sync.failed']);
    expect((await call(owner, 'PATCH', `/webhooks/${disabled.id}`, { enabled: false })).status).toBe(200);

    const src = await call(owner, 'POST', '/sources', {
      name: 'broken-csv',
      source_type: 'csv',
      config: { url: `${rx.url}/missing.csv`, label: 'Thing', key_column: 'id' },
    });
    expect(src.status).toBe(201);
    rx.respond = (c) => (c.path === '/missing.csv' ? 404 : 200);
    expect((await call(owner, 'POST', `/sources/${src.body.id}/sync`, {})).status).toBe(202);

    const d = await onlyDelivery(owner, sub.id, ['succeeded', 'dead']);
    expect(d).toMatchObject({ status: 'succeeded', event_type: 'source.sync.failed', attempts: 1 });
    const body = JSON.parse(callsTo('/sync')[0].body);
    expect(body).toMatchObject({ type: 'source.sync.failed', org_id: owner.orgId });
    expect(JSON.stringify(body.data)).toContain(src.body.id);
    // nothing for the other subscriptions
    await new Promise((r) => setTimeout(r, 300));
    expect(callsTo('/unrelated')).toHaveLength(0);
    expect(callsTo('/theirs')).toHaveLength(0);
    expect(callsTo('/disabled')).toHaveLength(0);
    expect((await call(owner, 'GET', `/webhooks/${unrelated.id}/deliveries`)).body.total).toBe(0);
    expect((await call(other, 'GET', `/webhooks/${theirs.id}/deliveries`)).body.total).toBe(0);
  });

  it('subscriptions: unknown event → 400, rotate-secret signs the next delivery with the new secret, another org → 404', async () => {
    const bad = await call(owner, 'POST', '/webhooks', { name: 'x', url: `${rx.url}/x`, events: ['job.failed'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('job.failed');
    const explicit = await call(owner, 'POST', '/webhooks', {
      name: 'explicit',
      direction: 'outbound',
      url: `${rx.url}/rot`,
      events: ['task_run.finished'],
    });
    expect(explicit.status).toBe(201);
    const rotated = await call(owner, 'POST', `/webhooks/${explicit.body.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    rx.respond = () => 200;
    await t.app
      .get(OrgEvents)
      .publish(owner.orgId, 'task_run.finished', { run_id: 'run_y', task_id: null, status: 'succeeded' });
    await onlyDelivery(owner, explicit.body.id, ['succeeded']);
    const c = callsTo('/rot')[0];
    const ts = String(c.headers['x-agentcy-timestamp']);
    const sig = (secret: string) => `sha256=${createHmac('sha256', secret).update(`${ts}.${c.body}`).digest('hex')}`;
    expect(c.headers['x-agentcy-signature']).toBe(sig(rotated.body.secret));
    expect(c.headers['x-agentcy-signature']).not.toBe(sig(explicit.body.secret));

    const d = (await call(owner, 'GET', `/webhooks/${explicit.body.id}/deliveries`)).body.items[0];
    expect((await call(other, 'GET', `/webhooks/${explicit.body.id}/deliveries/${d.id}`)).status).toBe(404);
    expect((await call(other, 'POST', `/webhooks/${explicit.body.id}/deliveries/${d.id}/redeliver`)).status).toBe(404);
  });

  it('the log keeps 30 days: finished rows older than that are swept, pending ones never', async () => {
    rx.respond = () => 200;
    const sub = await subscribe(owner, '/old', ['task_run.finished']);
    await t.app
      .get(OrgEvents)
      .publish(owner.orgId, 'task_run.finished', { run_id: 'run_old', task_id: null, status: 'succeeded' });
    const d = await onlyDelivery(owner, sub.id, ['succeeded']);
    const db = t.app.get(DataSource);
    await db.query(`UPDATE webhook_deliveries SET created_at = now() - interval '31 days' WHERE id = $1`, [d.id]);
    await db.query(
      `INSERT INTO webhook_deliveries (id, org_id, webhook_id, direction, source, status, created_at, next_attempt_at)
       VALUES ('dlv_oldpending', $1, $2, 'outbound', 'event', 'pending', now() - interval '31 days', now() + interval '1 day')`,
      [owner.orgId, sub.id],
    );
    expect(await t.app.get(WebhooksRepository).purgeOlderThan(30)).toBeGreaterThanOrEqual(1);
    const left = (await call(owner, 'GET', `/webhooks/${sub.id}/deliveries`)).body.items.map((x: any) => x.id);
    expect(left).toEqual(['dlv_oldpending']);
  });
});
