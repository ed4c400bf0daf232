import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createApiKey, registerOwner } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

/** Each test uses its own client IP (X-Forwarded-For from loopback is trusted) and fresh accounts, so Redis counters never collide. */
const ip = () => `2001:db8::${randomUUID().slice(0, 4)}:${randomUUID().slice(0, 4)}`;

describe('identity: Redis-backed rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT_PER_MIN: '3', RATE_LIMIT_PER_MIN: '5' });
  });
  afterAll(() => t.close());

  it('login: per client IP, across accounts, 429 rate_limited with Retry-After', async () => {
    const from = ip();
    for (let i = 0; i < 3; i++) {
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', from)
        .send({ email: `ip-${randomUUID()}@example.test`, password: 'whatever-1' })
        .expect(401);
    }
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', from)
      .send({ email: `ip-${randomUUID()}@example.test`, password: 'whatever-1' })
      .expect(429);
    expect(res.body.error.code).toBe('rate_limited');
    const retry = Number(res.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // another address is not affected
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', ip())
      .send({ email: `ip-${randomUUID()}@example.test`, password: 'whatever-1' })
      .expect(401);
  });

  it('login: per account, across addresses — even the right password is refused once over the limit', async () => {
    const owner = await registerOwner(t, 'rl');
    for (let i = 0; i < 3; i++) {
      await t
        .http()
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', ip())
        .send({ email: owner.email, password: 'wrong-password' })
        .expect(401);
    }
    const res = await t
      .http()
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', ip())
      .send({ email: owner.email.toUpperCase(), password: 'password-123' })
      .expect(429);
    expect(res.body.error.code).toBe('rate_limited');
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('general per-caller limit (RATE_LIMIT_PER_MIN) for users and for API keys, counted separately', async () => {
    const owner = await registerOwner(t, 'rlcaller');
    const key = await createApiKey(t, owner); // registerOwner (GET /auth/me) + this = 2 requests by the owner
    for (let i = 0; i < 3; i++) {
      await t.http().get('/api/v1/users/me').set(owner.auth).expect(200);
    }
    const res = await t.http().get('/api/v1/users/me').set(owner.auth).expect(429);
    expect(res.body).toEqual({
      error: { code: 'rate_limited', message: expect.any(String), details: { retry_after_secs: expect.any(Number) } },
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // the key is its own caller
    for (let i = 0; i < 5; i++) {
      await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
    }
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(429);
    // another user is unaffected
    const other = await registerOwner(t, 'rlother');
    await t.http().get('/api/v1/users/me').set(other.auth).expect(200);
    // a refused mutating request is still audited
    const rid = `req-${randomUUID()}`;
    await t.http().post('/api/v1/api-keys').set(owner.auth).set('X-Request-Id', rid).send({ name: 'late' }).expect(429);
    const rows = (await t.app
      .get(DataSource)
      .query('SELECT org_id, result, details FROM audit_log WHERE request_id = $1', [rid])) as {
      org_id: string;
      result: string;
      details: { status: number };
    }[];
    expect(rows).toEqual([
      { org_id: owner.orgId, result: 'failure', details: { status: 429, error_code: 'rate_limited' } },
    ]);
  });

  it('the limit is shared by replicas (Redis), not per process', async () => {
    const t2 = await startTestApp({ LOGIN_RATE_LIMIT_PER_MIN: '3', RATE_LIMIT_PER_MIN: '5' });
    try {
      const owner = await registerOwner(t, 'rlshared');
      // registerOwner already made 1 request (GET /auth/me)
      for (let i = 0; i < 2; i++) {
        await t.http().get('/api/v1/users/me').set(owner.auth).expect(200);
      }
      await t2.http().get('/api/v1/users/me').set(owner.auth).expect(200);
      await t2.http().get('/api/v1/users/me').set(owner.auth).expect(200);
      await t2.http().get('/api/v1/users/me').set(owner.auth).expect(429);
      await t.http().get('/api/v1/users/me').set(owner.auth).expect(429);
    } finally {
      await t2.close();
    }
  });
});
