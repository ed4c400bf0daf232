import Redis from 'ioredis';
import { Client } from 'pg';
import { loginAdmin, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api } from './chat-helpers';
import { postHook, postSigned, sign } from './webhooks-helpers';

const RATE = 6;

/**
 * The fast lane of `POST /hooks/:trigger_id` (HookEdge): a warmed trigger's plain valid calls are
 * stored in the Redis inbox and answered 202 at once; everything else is answered by the route.
 * Which lane took a call is read from the inbox's per-org `accepted` counter.
 */
describe('webhooks: the /hooks fast lane and its inbox (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let redis: Redis;
  let db: Client;
  const prefix = process.env.REDIS_PREFIX ?? 'agentcy';
  const call = (who: TestUser, method: string, path: string, body?: unknown) =>
    api(t.baseUrl, method, path, who.auth, body);
  const fastLaneCount = async (orgId: string) =>
    Number((await redis.get(`${prefix}:hook-inbox:accepted:${orgId}`)) ?? 0);

  const createTask = async (who: TestUser, name: string) => {
    const res = await call(who, 'POST', '/tasks', {
      name,
      agent: 'default',
      trigger: { kind: 'webhook' },
      input_template: { instruction: 'Alert {{ trigger.body.alert }}' },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; trigger: { secret: string } };
  };
  /** A first call (the route's lane) loads the trigger into the cache; later calls may take the fast lane. */
  const warm = async (baseUrl: string, id: string, secret: string) => {
    expect((await postSigned(baseUrl, id, secret, { alert: 'warm-up' })).status).toBe(202);
  };

  beforeAll(async () => {
    t = await startTestApp({ HOOK_RATE_LIMIT_PER_MIN: String(RATE), TASK_RUN_IN_API: 'false' });
    owner = await registerOwner(t, 'fastlane');
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    redis?.disconnect();
    await t?.close();
  });

  it('takes a warmed valid call: 202 at once, and the run and delivery rows are readable right after', async () => {
    const task = await createTask(owner, 'fast-accept');
    await warm(t.baseUrl, task.id, task.trigger.secret);
    const before = await fastLaneCount(owner.orgId);
    const res = await postSigned(
      t.baseUrl,
      task.id,
      task.trigger.secret,
      { alert: 'HighCPU' },
      {
        headers: { 'X-Custom': 'yes', 'X-Request-Id': 'fast-lane-req-1' },
      },
    );
    expect(res.status).toBe(202);
    expect(res.body.delivery_id).toMatch(/^dlv_[0-9a-f]{32}$/);
    expect(res.body.run_id).toMatch(/^run_[0-9a-f]{32}$/);
    expect(await fastLaneCount(owner.orgId)).toBe(before + 1);

    // no waiting: reads of runs and deliveries wait for the inbox themselves
    const run = await call(owner, 'GET', `/tasks/${task.id}/runs/${res.body.run_id}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      status: 'pending',
      input: { instruction: 'Alert HighCPU' },
      trigger: { kind: 'webhook', body: { alert: 'HighCPU' }, delivery_id: res.body.delivery_id },
    });
    expect(run.body.trigger.headers['x-custom']).toBe('yes');
    expect(run.body.trigger.headers['x-agentcy-signature']).toBeUndefined();
    const delivery = await call(owner, 'GET', `/webhooks/${task.id}/deliveries/${res.body.delivery_id}`);
    expect(delivery.body).toMatchObject({
      status: 'accepted',
      http_status: 202,
      signature_valid: true,
      run_id: res.body.run_id,
      source: 'hook',
      content_type: 'application/json',
    });
    expect(JSON.parse(delivery.body.body)).toEqual({ alert: 'HighCPU' });
    expect(delivery.body.headers['x-agentcy-signature']).toBeUndefined();
    const again = await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: 'again' });
    expect(again.status).toBe(202);
    const mirror = await call(owner, 'GET', `/webhooks/${task.id}`);
    expect(mirror.body.delivery_stats).toMatchObject({ ok: 3 }); // warm-up, HighCPU, again
  });

  it('concurrent calls sent together each get their own outcome: distinct rows, the limit exact', async () => {
    const task = await createTask(owner, 'fast-concurrent');
    await warm(t.baseUrl, task.id, task.trigger.secret); // 1 of RATE used
    const before = await fastLaneCount(owner.orgId);
    const answers = await Promise.all(
      Array.from({ length: RATE + 3 }, (_, i) =>
        postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: `c${i}` }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(RATE - 1);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(4);
    expect(new Set(accepted.map((a) => a.body.run_id)).size).toBe(RATE - 1);
    expect(await fastLaneCount(owner.orgId)).toBe(before + RATE - 1);
    const runs = (await call(owner, 'GET', `/tasks/${task.id}/runs?limit=50`)).body;
    const ids = new Set(runs.items.map((r: { id: string }) => r.id));
    for (const a of accepted) {
      expect(ids.has(a.body.run_id)).toBe(true);
    }
  });

  it('answers like the route: same headers, request id echoed', async () => {
    const task = await createTask(owner, 'fast-headers');
    await warm(t.baseUrl, task.id, task.trigger.secret);
    const body = JSON.stringify({ alert: 'h' });
    const res = await fetch(`${t.baseUrl}/api/v1/hooks/${task.id}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-agentcy-signature': sign(task.trigger.secret, body),
        'x-request-id': 'hook-req-42',
      },
      body,
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('hook-req-42');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('leaves every refusal to the route on a warmed trigger: bad signature, bad JSON, unsafe text, replay, rate limit', async () => {
    const task = await createTask(owner, 'fast-refusals');
    await warm(t.baseUrl, task.id, task.trigger.secret);
    const before = await fastLaneCount(owner.orgId);
    const rejectedAudits = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.rejected' AND details->>'auth_kind' = 'webhook'`,
        )
      ).rows[0].n as number;
    const auditsBefore = await rejectedAudits();

    const wrong = await postSigned(t.baseUrl, task.id, 'whsec_wrong', { alert: 'x' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: 'invalid_signature', details: { reason: 'signature_mismatch' } });

    const malformed = '{"alert": ';
    const bad = await postHook(t.baseUrl, task.id, malformed, {
      'x-agentcy-signature': sign(task.trigger.secret, malformed),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('malformed_json');

    const nul = '{"alert": "a\\u0000b"}';
    const unsafe = await postHook(t.baseUrl, task.id, nul, { 'x-agentcy-signature': sign(task.trigger.secret, nul) });
    expect(unsafe.status).toBe(400);
    expect(unsafe.body.error.code).toBe('validation_failed');

    const ts = String(Math.floor(Date.now() / 1000));
    const first = await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: 'once' }, { timestamp: ts });
    const again = await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: 'once' }, { timestamp: ts });
    expect(first.status).toBe(202);
    expect(again.status).toBe(401);
    expect(again.body.error.details.reason).toBe('replayed');
    // only the first timestamped call was taken by the fast lane
    expect(await fastLaneCount(owner.orgId)).toBe(before + 1);

    // the per-trigger limit counts both lanes: warm-up + `first` + the refusals above already used some
    const statuses: number[] = [];
    for (let i = 0; i < RATE; i++) {
      statuses.push((await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: `n${i}` })).status);
    }
    expect(statuses).toContain(429);
    const limited = await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: 'over' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');

    // the refusals were logged by the route (metadata only) and audited
    const log = (await call(owner, 'GET', `/webhooks/${task.id}/deliveries?status=rejected`)).body;
    expect(log.items.map((d: { error_code: string }) => d.error_code)).toEqual(
      expect.arrayContaining(['signature_mismatch', 'replayed']),
    );
    expect(await rejectedAudits()).toBeGreaterThanOrEqual(auditsBefore + 2);
  });

  it('a rotated secret, a paused or deleted task and a disabled org stop the fast lane at once', async () => {
    const task = await createTask(owner, 'fast-changes');
    await warm(t.baseUrl, task.id, task.trigger.secret);
    expect((await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: 'hot' })).status).toBe(202);

    const rotated = await call(owner, 'POST', `/tasks/${task.id}/trigger/rotate-secret`);
    const secret = rotated.body.trigger.secret as string;
    const old = await postSigned(t.baseUrl, task.id, task.trigger.secret, { alert: 'old' });
    expect(old.status).toBe(401);
    expect((await postSigned(t.baseUrl, task.id, secret, { alert: 'new' })).status).toBe(202);
    expect((await postSigned(t.baseUrl, task.id, secret, { alert: 'new-hot' })).status).toBe(202);

    await call(owner, 'POST', `/tasks/${task.id}/pause`);
    expect((await postSigned(t.baseUrl, task.id, secret, { alert: 'paused' })).status).toBe(404);
    await call(owner, 'POST', `/tasks/${task.id}/resume`);
    expect((await postSigned(t.baseUrl, task.id, secret, { alert: 'resumed' })).status).toBe(202);
    expect((await call(owner, 'DELETE', `/tasks/${task.id}`)).status).toBe(204);
    expect((await postSigned(t.baseUrl, task.id, secret, { alert: 'deleted' })).status).toBe(404);

    const other = await registerOwner(t, 'fastlane-off');
    const hook = await call(other, 'POST', '/webhooks', {
      name: 'agent-hook',
      target: { type: 'agent', agent: 'default', input_template: { instruction: 'From {{ trigger.body.user }}' } },
    });
    await warm(t.baseUrl, hook.body.id, hook.body.secret);
    expect((await postSigned(t.baseUrl, hook.body.id, hook.body.secret, { user: 'ann' })).status).toBe(202);
    const admin = await loginAdmin(t);
    expect((await api(t.baseUrl, 'DELETE', `/platform/orgs/${other.orgId}`, admin.auth)).status).toBe(204);
    const off = await postSigned(t.baseUrl, hook.body.id, hook.body.secret, { user: 'bob' });
    expect(off.status).toBe(403);
    expect(off.body.error.code).toBe('org_disabled');
  });

  describe('across processes', () => {
    let b: SpawnedApi | undefined;
    afterEach(async () => {
      await b?.kill();
      b = undefined;
    });

    it('a call accepted while no process consumes waits in the inbox, across a restart, until one does', async () => {
      // a deployment of its own (Redis prefix), so this file's app does not consume its inbox
      const deployment = { REDIS_PREFIX: `${prefix}-inbox`, TASK_RUN_IN_API: 'false' };
      b = await spawnApiProcess({ ...deployment, HOOK_INBOX_CONSUMER: 'false' });
      const task = await createTask(owner, 'fast-durable');
      await warm(b.baseUrl, task.id, task.trigger.secret);
      const res = await postSigned(b.baseUrl, task.id, task.trigger.secret, { alert: 'queued' });
      expect(res.status).toBe(202);
      await new Promise((r) => setTimeout(r, 500));
      const runRow = () => db.query('SELECT status, input FROM task_runs WHERE id = $1', [res.body.run_id]);
      expect((await runRow()).rowCount).toBe(0);
      expect(await redis.xlen(`${prefix}-inbox:hook-inbox`)).toBe(1);

      await b.kill();
      b = await spawnApiProcess({ ...deployment, HOOK_INBOX_CONSUMER: 'true' });
      // the consumer writes the run, then the delivery row, then settles the entry
      const deliveryRow = () =>
        db.query('SELECT status, run_id FROM webhook_deliveries WHERE id = $1', [res.body.delivery_id]);
      const deadline = Date.now() + 30_000;
      while ((await deliveryRow()).rowCount === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await deliveryRow()).rows).toEqual([{ status: 'accepted', run_id: res.body.run_id }]);
      const rows = (await runRow()).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0].input.instruction).toBe('Alert queued');
      while ((await redis.xlen(`${prefix}-inbox:hook-inbox`)) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await redis.xlen(`${prefix}-inbox:hook-inbox`)).toBe(0);
    });

    it('a secret rotated on one replica is refused at once on another that had it cached', async () => {
      b = await spawnApiProcess({ TASK_RUN_IN_API: 'false' });
      const task = await createTask(owner, 'fast-replicas');
      await warm(b.baseUrl, task.id, task.trigger.secret);
      expect((await postSigned(b.baseUrl, task.id, task.trigger.secret, { alert: 'b-hot' })).status).toBe(202);
      const rotated = await call(owner, 'POST', `/tasks/${task.id}/trigger/rotate-secret`);
      expect(rotated.status).toBe(200);
      // pub/sub reaches the other process within milliseconds (polled, for a loaded CI box)
      let old = await postSigned(b.baseUrl, task.id, task.trigger.secret, { alert: 'b-old' });
      for (let i = 0; i < 30 && old.status !== 401; i++) {
        await new Promise((r) => setTimeout(r, 100));
        old = await postSigned(b.baseUrl, task.id, task.trigger.secret, { alert: 'b-old' });
      }
      expect(old.status).toBe(401);
      const fresh = await postSigned(b.baseUrl, task.id, rotated.body.trigger.secret, { alert: 'b-new' });
      expect(fresh.status).toBe(202);
    });
  });
});
