import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { api } from './chat-helpers';
import { postHook, postSigned, sign } from './webhooks-helpers';

const MAX_BODY = 200_000;
const RATE = 12;

describe('webhooks: /hooks receiver, registry, delivery log, replay, samples, trigger fire (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let other: TestUser;
  const call = (who: TestUser, method: string, path: string, body?: unknown) =>
    api(t.baseUrl, method, path, who.auth, body);
  const now = () => String(Math.floor(Date.now() / 1000));

  const createTask = async (who: TestUser, name: string) => {
    const res = await call(who, 'POST', '/tasks', {
      name,
      agent: 'default',
      trigger: { kind: 'webhook' },
      input_template: { instruction: 'Alert {{ trigger.body.alert }} in {{ trigger.query.env }}' },
    });
    if (res.status !== 201) {
      throw new Error(`task create failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as { id: string; trigger: { secret: string; url: string } };
  };
  const createInbound = async (who: TestUser, name: string) => {
    const res = await call(who, 'POST', '/webhooks', {
      name,
      target: { type: 'agent', agent: 'default', input_template: { instruction: 'Form from {{ trigger.body.user }}' } },
    });
    if (res.status !== 201) {
      throw new Error(`webhook create failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as { id: string; secret: string; url: string; secret_preview: string };
  };
  const deliveries = async (who: TestUser, id: string, q = '') =>
    (await call(who, 'GET', `/webhooks/${id}/deliveries${q}`)).body;
  const runsOf = async (taskId: string) => (await call(owner, 'GET', `/tasks/${taskId}/runs`)).body;

  beforeAll(async () => {
    t = await startTestApp({
      HOOK_MAX_BODY_BYTES: String(MAX_BODY),
      HOOK_RATE_LIMIT_PER_MIN: String(RATE),
      TASK_RUN_IN_API: 'false',
      PUBLIC_BASE_URL: 'https://agentcy.example.com',
    });
    owner = await registerOwner(t, 'wh-in');
    other = await registerOwner(t, 'wh-other');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a signed call to a task trigger is stored and answered 202 {delivery_id, run_id}; the run is queued with the trigger context', async () => {
    const task = await createTask(owner, 'alerts');
    const res = await postSigned(
      t.baseUrl,
      task.id,
      task.trigger.secret,
      { alert: 'HighCPU' },
      {
        query: '?env=prod',
        headers: { 'X-Custom': 'yes' },
      },
    );
    expect(res.status).toBe(202);
    expect(res.body.delivery_id).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(res.body.run_id).toMatch(/^run_[0-9a-f]{32}$/);

    const run = (await call(owner, 'GET', `/tasks/${task.id}/runs/${res.body.run_id}`)).body;
    expect(run.status).toBe('pending'); // no task worker in this process: queued, not lost
    expect(run.trigger).toMatchObject({
      kind: 'webhook',
      body: { alert: 'HighCPU' },
      query: { env: 'prod' },
      delivery_id: res.body.delivery_id,
    });
    expect(run.trigger.headers['x-custom']).toBe('yes');
    expect(run.trigger.headers['x-agentcy-signature']).toBeUndefined();
    expect(run.input.instruction).toBe('Alert HighCPU in prod');

    const log = await deliveries(owner, task.id);
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({
      id: res.body.delivery_id,
      webhook_id: task.id,
      direction: 'inbound',
      source: 'hook',
      status: 'accepted',
      http_status: 202,
      signature_valid: true,
      run_id: res.body.run_id,
      content_type: 'application/json',
    });
    const one = (await call(owner, 'GET', `/webhooks/${task.id}/deliveries/${res.body.delivery_id}`)).body;
    expect(JSON.parse(one.body)).toEqual({ alert: 'HighCPU' });
    expect(one.headers['x-custom']).toBe('yes');
    expect(one.run_status).toBe('pending');

    // the registry mirrors the task trigger read-only
    const list = (await call(owner, 'GET', '/webhooks')).body;
    const mirror = list.items.find((w: any) => w.id === task.id);
    expect(mirror).toMatchObject({
      read_only: true,
      target: { type: 'task', task_id: task.id },
      delivery_stats: { ok: 1 },
    });
    expect(mirror.url).toBe(`https://agentcy.example.com/api/v1/hooks/${task.id}`);
    expect((await call(owner, 'PATCH', `/webhooks/${task.id}`, { name: 'x' })).body.error.code).toBe('read_only');
  });

  it('refuses a bad, missing or malformed signature, a stale timestamp and a replayed delivery: 401 invalid_signature, nothing stored of the payload, no run', async () => {
    const task = await createTask(owner, 'guarded');
    const body = JSON.stringify({ alert: 'secret-payload-marker' });
    const bad = await postHook(t.baseUrl, task.id, body, { 'x-agentcy-signature': sign('whsec_wrong', body) });
    const missing = await postHook(t.baseUrl, task.id, body);
    const malformed = await postHook(t.baseUrl, task.id, body, { 'x-agentcy-signature': 'md5=abc' });
    const oldTs = String(Math.floor(Date.now() / 1000) - 6 * 60);
    const stale = await postHook(t.baseUrl, task.id, body, {
      'x-agentcy-signature': sign(task.trigger.secret, body, oldTs),
      'x-agentcy-timestamp': oldTs,
    });
    // body-only signature sent with a timestamp: the timestamp must be covered too
    const ts = now();
    const uncovered = await postHook(t.baseUrl, task.id, body, {
      'x-agentcy-signature': sign(task.trigger.secret, body),
      'x-agentcy-timestamp': ts,
    });
    const first = await postSigned(t.baseUrl, task.id, task.trigger.secret, body, { timestamp: ts });
    const replayed = await postSigned(t.baseUrl, task.id, task.trigger.secret, body, { timestamp: ts });
    for (const r of [bad, missing, malformed, stale, uncovered, replayed]) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('invalid_signature');
    }
    expect(first.status).toBe(202);
    expect(stale.body.error.details.reason).toBe('stale_timestamp');
    expect(replayed.body.error.details.reason).toBe('replayed');

    const runs = await runsOf(task.id);
    expect(runs.total).toBe(1); // only the one valid call
    const log = await deliveries(owner, task.id, '?status=rejected');
    expect(log.total).toBe(6);
    const reasons = log.items.map((d: any) => d.error_code).sort();
    expect(reasons).toEqual(
      [
        'missing_signature',
        'malformed_signature',
        'replayed',
        'signature_mismatch',
        'signature_mismatch',
        'stale_timestamp',
      ].sort(),
    );
    for (const d of log.items) {
      expect(d).toMatchObject({
        status: 'rejected',
        reject_reason: 'invalid_signature',
        http_status: 401,
        run_id: null,
      });
      const detail = (await call(owner, 'GET', `/webhooks/${task.id}/deliveries/${d.id}`)).body;
      expect(detail.body).toBeNull();
      expect(detail.headers).toBeNull();
    }
    const all = JSON.stringify((await deliveries(owner, task.id)).items);
    expect(all.split('secret-payload-marker').length).toBe(1);
  });

  it('413 above HOOK_MAX_BODY_BYTES, 404 for an unknown or disabled trigger, 429 over the per-trigger rate limit', async () => {
    const task = await createTask(owner, 'limits');
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_BODY + 10) });
    const tooBig = await postSigned(t.baseUrl, task.id, task.trigger.secret, big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('payload_too_large');
    const log = await deliveries(owner, task.id);
    expect(log.items[0]).toMatchObject({ status: 'rejected', reject_reason: 'body_too_large', http_status: 413 });

    const unknownTask = await postSigned(t.baseUrl, `task_${'0'.repeat(32)}`, 'x', { a: 1 });
    const unknownHook = await postSigned(t.baseUrl, `wh_${'0'.repeat(32)}`, 'x', { a: 1 });
    const garbage = await postSigned(t.baseUrl, 'nope', 'x', { a: 1 });
    for (const r of [unknownTask, unknownHook, garbage]) {
      expect(r.status).toBe(404);
      expect(r.body.error).toBeDefined();
    }

    const hook = await createInbound(owner, 'disabled-one');
    expect((await call(owner, 'PATCH', `/webhooks/${hook.id}`, { enabled: false })).status).toBe(200);
    const disabled = await postSigned(t.baseUrl, hook.id, hook.secret, { a: 1 });
    expect(disabled.status).toBe(404);
    expect((await deliveries(owner, hook.id)).items[0]).toMatchObject({
      status: 'rejected',
      reject_reason: 'disabled',
    });

    const limited = await createInbound(owner, 'limited');
    const statuses: number[] = [];
    for (let i = 0; i < RATE + 2; i++) {
      statuses.push((await postSigned(t.baseUrl, limited.id, limited.secret, { i })).status);
    }
    expect(statuses.slice(0, RATE).every((s) => s === 202)).toBe(true);
    expect(statuses.slice(RATE)).toEqual([429, 429]);
  });

  it('stand-alone inbound webhook: secret once, form body, paginated log cut at 64 KB, rotate kills the old secret at once, replay', async () => {
    const hook = await createInbound(owner, 'forms');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(hook.url).toBe(`https://agentcy.example.com/api/v1/hooks/${hook.id}`);
    const read = (await call(owner, 'GET', `/webhooks/${hook.id}`)).body;
    expect(read.secret).toBeUndefined();
    expect(JSON.stringify(read)).not.toContain(hook.secret);
    expect(read.secret_preview).toBe(hook.secret_preview);

    const form = 'user=ada&password=hunter2&note=hi';
    const formRes = await postHook(t.baseUrl, hook.id, form, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-agentcy-signature': sign(hook.secret, form),
    });
    expect(formRes.status).toBe(202);
    const formDlv = (await call(owner, 'GET', `/webhooks/${hook.id}/deliveries/${formRes.body.delivery_id}`)).body;
    expect(formDlv.body).toContain('ada');
    expect(formDlv.body).not.toContain('hunter2'); // redacted in the log

    const big = { blob: 'y'.repeat(100_000), token: 'tok-should-be-redacted' };
    const bigRes = await postSigned(t.baseUrl, hook.id, hook.secret, big, {
      headers: { authorization: 'Bearer abc' },
    });
    expect(bigRes.status).toBe(202);
    const bigDlv = (await call(owner, 'GET', `/webhooks/${hook.id}/deliveries/${bigRes.body.delivery_id}`)).body;
    expect(bigDlv.body_truncated).toBe(true);
    expect(Buffer.byteLength(bigDlv.body)).toBeLessThanOrEqual(64 * 1024);
    expect(bigDlv.size_bytes).toBeGreaterThan(100_000);
    expect(bigDlv.headers.authorization).toBe('[redacted]');
    expect(bigDlv.run_status).toBe('pending');

    for (let i = 0; i < 3; i++) {
      expect((await postSigned(t.baseUrl, hook.id, hook.secret, { i })).status).toBe(202);
    }
    const p1 = await deliveries(owner, hook.id, '?limit=2');
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(5);
    const p2 = await deliveries(owner, hook.id, `?limit=2&cursor=${encodeURIComponent(p1.next_cursor)}`);
    const p3 = await deliveries(owner, hook.id, `?limit=2&cursor=${encodeURIComponent(p2.next_cursor)}`);
    const ids = [...p1.items, ...p2.items, ...p3.items].map((d: any) => d.id);
    expect(new Set(ids).size).toBe(5);
    expect(p3.next_cursor).toBeNull();

    // replay: the stored payload runs again without a signature; a cut body cannot be replayed
    const replay = await call(owner, 'POST', `/webhooks/${hook.id}/deliveries/${formRes.body.delivery_id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.run_id).toMatch(/^run_/);
    expect(replay.body.run_id).not.toBe(formRes.body.run_id);
    const replayed = (await call(owner, 'GET', `/webhooks/${hook.id}/deliveries/${replay.body.delivery_id}`)).body;
    expect(replayed).toMatchObject({ source: 'replay', replay_of: formRes.body.delivery_id, status: 'accepted' });
    const cut = await call(owner, 'POST', `/webhooks/${hook.id}/deliveries/${bigRes.body.delivery_id}/replay`);
    expect(cut.status).toBe(409);

    const rotated = await call(owner, 'POST', `/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    const old = await postSigned(t.baseUrl, hook.id, hook.secret, { after: 'rotate' });
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('invalid_signature');
    expect((await postSigned(t.baseUrl, hook.id, rotated.body.secret, { after: 'rotate' })).status).toBe(202);

    // task webhook: rotating through /tasks kills the old secret at once too
    const task = await createTask(owner, 'rotating-task');
    const r2 = await call(owner, 'POST', `/tasks/${task.id}/trigger/rotate-secret`);
    expect(r2.status).toBe(200);
    expect((await postSigned(t.baseUrl, task.id, task.trigger.secret, { a: 1 })).status).toBe(401);
    expect((await postSigned(t.baseUrl, task.id, r2.body.trigger.secret, { a: 1 })).status).toBe(202);

    expect((await call(owner, 'DELETE', `/webhooks/${hook.id}`)).status).toBe(204);
    expect((await postSigned(t.baseUrl, hook.id, rotated.body.secret, { a: 1 })).status).toBe(404);
    expect((await call(owner, 'GET', `/webhooks/${hook.id}`)).status).toBe(404);
  });

  it('an inbound webhook targeting a task fires that task', async () => {
    const task = await createTask(owner, 'via-wh');
    const res = await call(owner, 'POST', '/webhooks', {
      name: 'to-task',
      direction: 'inbound',
      target: { type: 'task', task_id: task.id },
    });
    expect(res.status).toBe(201);
    const fired = await postSigned(t.baseUrl, res.body.id, res.body.secret, { alert: 'Disk' });
    expect(fired.status).toBe(202);
    const run = (await call(owner, 'GET', `/tasks/${task.id}/runs/${fired.body.run_id}`)).body;
    expect(run.trigger).toMatchObject({ kind: 'webhook', webhook_id: res.body.id, body: { alert: 'Disk' } });
    // another org's task cannot be a target
    const theirs = await createTask(other, 'theirs');
    const cross = await call(owner, 'POST', '/webhooks', { name: 'x', target: { type: 'task', task_id: theirs.id } });
    expect(cross.status).toBe(404);
  });

  it('validates the registry input (unknown fields, missing target, unknown events) with the error envelope', async () => {
    const cases = [
      { name: 'a', target: { type: 'agent', agent: 'default', input_template: {} }, extra: 1 },
      { name: 'a' },
      { name: 'a', url: 'https://example.com/hook', events: ['nope.event'] },
      { name: 'a', url: 'ftp://example.com/x', events: ['task_run.failed'] },
      { name: 'a', target: { type: 'robot' } },
    ];
    for (const body of cases) {
      const r = await call(owner, 'POST', '/webhooks', body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
  });

  it('samples: built-ins listed, custom saved (name unique → 409) and deleted (built-in → 409), run into a task through the receiver path', async () => {
    const list = (await call(owner, 'GET', '/webhook-samples?limit=200')).body;
    const ids = list.items.map((s: any) => s.id);
    for (const id of [
      'alertmanager-single',
      'alertmanager-group',
      'github-pull-request-opened',
      'github-push',
      'pagerduty-incident',
      'grafana-alert',
      'generic-json',
    ]) {
      expect(ids).toContain(id);
    }
    const am = list.items.find((s: any) => s.id === 'alertmanager-single');
    expect(am.payload.alerts[0].labels.alertname).toBe('HighErrorRate');

    const saved = await call(owner, 'POST', '/webhook-samples', {
      name: 'My Paged Alert',
      description: 'custom',
      payload: { alert: 'Custom' },
    });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ id: 'my-paged-alert', builtin: false });
    expect((await call(owner, 'POST', '/webhook-samples', { name: 'my paged alert', payload: {} })).status).toBe(409);
    expect((await call(owner, 'POST', '/webhook-samples', { name: 'github-push', payload: {} })).status).toBe(409);
    // another org may use the same name
    expect((await call(other, 'POST', '/webhook-samples', { name: 'My Paged Alert', payload: {} })).status).toBe(201);

    const task = await createTask(owner, 'sampled');
    const run = await call(owner, 'POST', '/webhook-samples/my-paged-alert/run', { task_id: task.id });
    expect(run.status).toBe(202);
    expect(run.body.delivery_id).toMatch(/^dlv_/);
    const r = (await call(owner, 'GET', `/tasks/${task.id}/runs/${run.body.run_id}`)).body;
    expect(r.trigger).toMatchObject({ kind: 'sample', body: { alert: 'Custom' }, delivery_id: run.body.delivery_id });
    expect(r.input.instruction).toBe('Alert Custom in ');
    const log = await deliveries(owner, task.id);
    expect(log.items[0]).toMatchObject({ id: run.body.delivery_id, source: 'sample', status: 'accepted' });
    const builtin = await call(owner, 'POST', '/webhook-samples/alertmanager-single/run', { task_id: task.id });
    expect(builtin.status).toBe(202);

    expect((await call(owner, 'POST', '/webhook-samples/nope/run', { task_id: task.id })).status).toBe(404);
    const theirs = await createTask(other, 'their-task');
    expect((await call(owner, 'POST', '/webhook-samples/my-paged-alert/run', { task_id: theirs.id })).status).toBe(404);

    expect((await call(owner, 'DELETE', '/webhook-samples/alertmanager-single')).status).toBe(409);
    expect((await call(owner, 'DELETE', '/webhook-samples/my-paged-alert')).status).toBe(204);
    expect((await call(owner, 'DELETE', '/webhook-samples/my-paged-alert')).status).toBe(404);
    // the other org's sample is untouched
    expect((await call(other, 'GET', '/webhook-samples/my-paged-alert')).status).toBe(200);
  });

  it('POST /triggers/:id/fire fires a task or webhook with a JWT or an API key → 202 {run_id}', async () => {
    const task = await createTask(owner, 'fire-me');
    const fired = await call(owner, 'POST', `/triggers/${task.id}/fire`, { alert: 'Manual' });
    expect(fired.status).toBe(202);
    const run = (await call(owner, 'GET', `/tasks/${task.id}/runs/${fired.body.run_id}`)).body;
    expect(run.trigger).toMatchObject({ kind: 'fire', body: { alert: 'Manual' }, user_id: owner.userId });

    const key = await call(owner, 'POST', '/api-keys', { name: 'fire-key', role: 'member' });
    expect(key.status).toBe(201);
    const hook = await createInbound(owner, 'fire-wh');
    const byKey = await api(
      t.baseUrl,
      'POST',
      `/triggers/${hook.id}/fire`,
      { Authorization: `Bearer ${key.body.key}` },
      {
        user: 'key',
      },
    );
    expect(byKey.status).toBe(202);
    expect(byKey.body.run_id).toMatch(/^run_/);

    expect((await call(owner, 'POST', `/triggers/task_${'0'.repeat(32)}/fire`, {})).status).toBe(404);
    expect((await call(owner, 'POST', `/triggers/wh_${'0'.repeat(32)}/fire`, {})).status).toBe(404);
    expect((await call(other, 'POST', `/triggers/${task.id}/fire`, {})).status).toBe(404);
    expect((await call(other, 'POST', `/triggers/${hook.id}/fire`, {})).status).toBe(404);
  });

  it("another org's webhooks and deliveries are 404; roles: members read and fire, only admins change webhooks; viewers do neither", async () => {
    const hook = await createInbound(owner, 'private');
    const dlv = await postSigned(t.baseUrl, hook.id, hook.secret, { a: 1 });
    expect(dlv.status).toBe(202);
    const task = await createTask(owner, 'private-task');
    for (const [method, path] of [
      ['GET', `/webhooks/${hook.id}`],
      ['PATCH', `/webhooks/${hook.id}`],
      ['DELETE', `/webhooks/${hook.id}`],
      ['POST', `/webhooks/${hook.id}/rotate-secret`],
      ['GET', `/webhooks/${hook.id}/deliveries`],
      ['GET', `/webhooks/${hook.id}/deliveries/${dlv.body.delivery_id}`],
      ['POST', `/webhooks/${hook.id}/deliveries/${dlv.body.delivery_id}/replay`],
      ['GET', `/webhooks/${task.id}/deliveries`],
    ] as const) {
      const r = await call(other, method, path, method === 'PATCH' ? { name: 'x' } : undefined);
      expect([method, path, r.status]).toEqual([method, path, 404]);
    }
    expect((await call(other, 'GET', '/webhooks')).body.items.map((w: any) => w.id)).not.toContain(hook.id);

    const member = await addMember(t, owner, 'member', 'wh-member');
    const viewer = await addMember(t, owner, 'viewer', 'wh-viewer');
    expect((await call(member, 'GET', `/webhooks/${hook.id}/deliveries`)).status).toBe(200);
    expect((await call(member, 'POST', `/triggers/${hook.id}/fire`, {})).status).toBe(202);
    const denied = await call(member, 'POST', '/webhooks', {
      name: 'm',
      target: { type: 'agent', agent: 'default', input_template: {} },
    });
    expect(denied.status).toBe(403);
    expect((await call(member, 'POST', `/webhooks/${hook.id}/rotate-secret`)).status).toBe(403);
    expect((await call(member, 'DELETE', `/webhooks/${hook.id}`)).status).toBe(403);
    expect((await call(viewer, 'GET', `/webhooks/${hook.id}`)).status).toBe(403);
    expect((await call(viewer, 'POST', `/triggers/${hook.id}/fire`, {})).status).toBe(403);
    expect((await call(viewer, 'POST', '/webhook-samples', { name: 'v', payload: {} })).status).toBe(403);
    expect((await call(viewer, 'GET', '/webhook-samples')).status).toBe(200);
  });

  it('records an audit entry for every change', async () => {
    const hook = await createInbound(owner, 'audited');
    await call(owner, 'PATCH', `/webhooks/${hook.id}`, { name: 'audited-2' });
    await call(owner, 'POST', `/webhooks/${hook.id}/rotate-secret`);
    await call(owner, 'POST', '/webhook-samples', { name: 'audited-sample', payload: { a: 1 } });
    await call(owner, 'DELETE', '/webhook-samples/audited-sample');
    await call(owner, 'DELETE', `/webhooks/${hook.id}`);
    const actions = async (action: string) =>
      (await call(owner, 'GET', `/activity/audit?action=${encodeURIComponent(action)}`)).body.items;
    for (const a of ['webhooks.create', 'webhooks.update', 'webhooks.rotate_secret', 'webhooks.delete']) {
      const items = await actions(a);
      expect([a, items.some((e: any) => e.target?.id === hook.id)]).toEqual([a, true]);
    }
    expect((await actions('webhook_samples.create')).some((e: any) => e.target?.id === 'audited-sample')).toBe(true);
    expect((await actions('webhook_samples.delete')).some((e: any) => e.target?.id === 'audited-sample')).toBe(true);
  });
});
