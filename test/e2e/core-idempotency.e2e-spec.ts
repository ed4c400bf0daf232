import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { CoreProbesModule, probeCalls } from '../support/core-probes.module';

describe('Idempotency-Key on creating POSTs', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  beforeAll(async () => {
    t = await startTestApp({}, { extraModules: [CoreProbesModule] });
    a = await registerOwner(t, 'idem-a');
    b = await registerOwner(t, 'idem-b');
  });
  afterAll(() => t.close());

  it('a replay with the same key and body returns the original status and body and runs nothing', async () => {
    const key = randomUUID();
    const before = probeCalls.count;
    const first = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'x' })
      .expect(201);
    const again = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'x' })
      .expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(probeCalls.count - before).toBe(1);
  });

  it('the same key with a different body is 409 idempotency_key_reused', async () => {
    const key = randomUUID();
    await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'x' })
      .expect(201);
    const res = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'y' })
      .expect(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('concurrent requests with one key run the handler exactly once', async () => {
    const key = randomUUID();
    const before = probeCalls.count;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.http().post('/api/v1/probe/records').set(a.auth).set('Idempotency-Key', key).send({ name: 'c' }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(probeCalls.count - before).toBe(1);
  });

  it('keys are scoped per caller', async () => {
    const key = randomUUID();
    const ra = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 's' })
      .expect(201);
    const rb = await t
      .http()
      .post('/api/v1/probe/records')
      .set(b.auth)
      .set('Idempotency-Key', key)
      .send({ name: 's' })
      .expect(201);
    expect(rb.body.id).not.toBe(ra.body.id);
    expect(rb.body.org_id).toBe(b.orgId);
  });

  it('keys expire after 24 h (stored in PostgreSQL)', async () => {
    const key = randomUUID();
    const first = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'e' })
      .expect(201);
    const ds = t.app.get(DataSource);
    const rows = await ds.query(
      `SELECT extract(epoch FROM expires_at - created_at)::float AS ttl FROM idempotency_keys WHERE key = $1`,
      [key],
    );
    expect(rows).toHaveLength(1);
    expect(Math.abs(rows[0].ttl - 86400)).toBeLessThan(5);
    await ds.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [key]);
    const after = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'e' })
      .expect(201);
    expect(after.body.id).not.toBe(first.body.id);
  });

  it('a failed request releases the key so a corrected retry can run', async () => {
    const key = randomUUID();
    await t.http().post('/api/v1/probe/records').set(a.auth).set('Idempotency-Key', key).send({ bogus: 1 }).expect(400);
    const ok = await t
      .http()
      .post('/api/v1/probe/records')
      .set(a.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'fixed' });
    // the failed attempt was not stored: a different body is accepted, not reported as reuse
    expect(ok.status).toBe(201);
  });

  it('register honours Idempotency-Key: a replay does not create a second org', async () => {
    const key = randomUUID();
    const email = `idem-${randomUUID().slice(0, 8)}@example.test`;
    const body = { email, password: 'password-123', org_name: `idem-org-${randomUUID().slice(0, 8)}` };
    const first = await t.http().post('/api/v1/auth/register').set('Idempotency-Key', key).send(body).expect(201);
    const again = await t.http().post('/api/v1/auth/register').set('Idempotency-Key', key).send(body).expect(201);
    expect(again.body.user.id).toBe(first.body.user.id);
    const [{ n }] = await t.app.get(DataSource).query(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [email]);
    expect(n).toBe(1);
  });
});
