import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { addMember, createApiKey, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

interface Entry {
  id: string;
  seq: number;
  ts: string;
  org_id: string;
  category: string;
  action: string;
  result: string;
  actor: { type: string; id: string | null; email: string | null };
  api_key_id: string | null;
  target: { type?: string; id?: string } | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
}

describe('identity: audit log and /activity', () => {
  let t: TestApp;
  let owner: TestUser;
  const audit = async (who: TestUser, query = ''): Promise<Entry[]> =>
    (await t.http().get(`/api/v1/activity/audit${query}`).set(who.auth).expect(200)).body.items;
  const byRequest = async (who: TestUser, requestId: string): Promise<Entry | undefined> =>
    (await audit(who, '?limit=200')).find((e) => e.request_id === requestId);

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'audit');
  });
  afterAll(() => t.close());

  it('records a successful mutating request with actor, org, action, target, result, ip and request id', async () => {
    const rid = `req-${randomUUID()}`;
    const res = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .set('X-Request-Id', rid)
      .send({ name: 'audited-key' })
      .expect(201);
    const e = await byRequest(owner, rid);
    expect(e).toMatchObject({
      org_id: owner.orgId,
      category: 'auth',
      action: 'api_keys.create',
      result: 'success',
      actor: { type: 'user', id: owner.userId, email: owner.email },
      target: { type: 'api_key', id: res.body.id },
      ip: '127.0.0.1',
      request_id: rid,
      decision: 'allow',
      resource: { type: 'api_key', id: res.body.id },
      context: { ip: '127.0.0.1', request_id: rid },
    });
  });

  it('records failed mutating requests too (validation error, 404)', async () => {
    const rid = `req-${randomUUID()}`;
    await t.http().post('/api/v1/api-keys').set(owner.auth).set('X-Request-Id', rid).send({ name: '' }).expect(400);
    expect(await byRequest(owner, rid)).toMatchObject({
      action: 'api_keys.create',
      result: 'failure',
      details: { status: 400, error_code: 'validation_failed' },
    });
    const rid2 = `req-${randomUUID()}`;
    await t.http().delete(`/api/v1/api-keys/${randomUUID()}`).set(owner.auth).set('X-Request-Id', rid2).expect(404);
    expect(await byRequest(owner, rid2)).toMatchObject({
      action: 'api_keys.delete',
      result: 'failure',
      details: { status: 404 },
    });
  });

  it('records policy denials (403) as category policy, result denied', async () => {
    const member = await addMember(t, owner, 'member', 'auditmember');
    const rid = `req-${randomUUID()}`;
    await t.http().post('/api/v1/api-keys').set(member.auth).set('X-Request-Id', rid).send({ name: 'x' }).expect(403);
    expect(await byRequest(owner, rid)).toMatchObject({
      category: 'policy',
      action: 'policy.deny',
      result: 'denied',
      actor: { id: member.userId },
      details: { status: 403, required_role: 'admin' },
    });
    // a role ceiling refused by the service is a denial as well
    const admin = await addMember(t, owner, 'admin', 'auditadmin');
    const rid2 = `req-${randomUUID()}`;
    await t
      .http()
      .post('/api/v1/api-keys')
      .set(admin.auth)
      .set('X-Request-Id', rid2)
      .send({ name: 'owner-key', role: 'owner' })
      .expect(403);
    expect(await byRequest(owner, rid2)).toMatchObject({ action: 'api_keys.create', result: 'denied' });
  });

  it('records failed authentication: expired token, revoked key, failed login', async () => {
    const secret = new TextEncoder().encode(t.app.get(AppConfig).auth.jwtSecret);
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ org_id: owner.orgId, role: 'owner', email: owner.email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(owner.userId)
      .setIssuer('agentcy')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(secret);
    const rid = `req-${randomUUID()}`;
    const res = await t
      .http()
      .get('/api/v1/users')
      .set('Authorization', `Bearer ${expired}`)
      .set('X-Request-Id', rid)
      .expect(401);
    expect(res.body.error).toMatchObject({ code: 'unauthorized', details: { reason: 'token_expired' } });
    expect(await byRequest(owner, rid)).toMatchObject({
      category: 'auth',
      action: 'auth.rejected',
      result: 'failure',
      details: { reason: 'token_expired' },
    });

    const key = await createApiKey(t, owner);
    await t.http().delete(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(204);
    const rid2 = `req-${randomUUID()}`;
    await t.http().get('/api/v1/users').set(key.auth).set('X-Request-Id', rid2).expect(401);
    expect(await byRequest(owner, rid2)).toMatchObject({
      category: 'auth',
      result: 'failure',
      api_key_id: key.id,
      details: { reason: 'api_key_revoked' },
    });

    const rid3 = `req-${randomUUID()}`;
    await t
      .http()
      .post('/api/v1/auth/login')
      .set('X-Request-Id', rid3)
      .send({ email: owner.email, password: 'nope-nope' })
      .expect(401);
    expect(await byRequest(owner, rid3)).toMatchObject({
      category: 'auth',
      action: 'auth.login',
      result: 'failure',
      actor: { id: owner.userId },
    });
    await t.http().post('/api/v1/auth/login').send({ email: owner.email, password: 'password-123' }).expect(200);
    expect((await audit(owner, '?action=auth.login&result=success'))[0]).toMatchObject({ actor: { id: owner.userId } });
  });

  it('filters by actor, action, category, result and time range; paginates', async () => {
    const o = await registerOwner(t, 'auditfilter');
    const admin = await addMember(t, o, 'admin', 'filteradmin');
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) {
      await createApiKey(t, admin, { name: `f${i}` });
    }
    await t.http().post('/api/v1/api-keys').set(admin.auth).send({ name: '' }).expect(400);
    const byActor = await audit(o, `?actor=${admin.userId}&action=api_keys.create`);
    expect(byActor).toHaveLength(4);
    expect(
      await audit(o, `?actor=${encodeURIComponent(admin.email)}&action=api_keys.create&result=success`),
    ).toHaveLength(3);
    expect(await audit(o, `?actor=${admin.userId}&result=failure`)).toHaveLength(1);
    expect((await audit(o, '?category=auth')).every((e) => e.category === 'auth')).toBe(true);
    expect(await audit(o, `?from=${encodeURIComponent(before)}&action=auth.register`)).toHaveLength(0);
    expect((await audit(o, `?to=${encodeURIComponent(before)}`)).map((e) => e.action)).toEqual(
      expect.arrayContaining(['auth.register']),
    );
    expect(await audit(o, `?from=${encodeURIComponent(before)}&actor=${admin.userId}`)).toHaveLength(4);
    await t.http().get('/api/v1/activity/audit?from=yesterday').set(o.auth).expect(400);
    await t.http().get('/api/v1/activity/audit?result=maybe').set(o.auth).expect(400);
    // seq is gap-free and monotonic per org; pages do not overlap
    const p1 = await t.http().get('/api/v1/activity/audit?limit=3').set(o.auth).expect(200);
    const p2 = await t
      .http()
      .get(`/api/v1/activity/audit?limit=3&cursor=${encodeURIComponent(p1.body.next_cursor)}`)
      .set(o.auth)
      .expect(200);
    const seqs = [...p1.body.items, ...p2.body.items].map((e: Entry) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(p1.body.total).toBeGreaterThanOrEqual(6);
    expect(seqs[0] - seqs[seqs.length - 1]).toBe(seqs.length - 1);
  });

  it("numbers every org's entries 1, 2, 3, … without gaps under concurrent writes from several orgs", async () => {
    const orgs = await Promise.all([registerOwner(t, 'seqa'), registerOwner(t, 'seqb')]);
    // rejected creates are cheap mutating requests that are still audited (result failure)
    await Promise.all(
      orgs.flatMap((o) =>
        Array.from({ length: 40 }, () => t.http().post('/api/v1/api-keys').set(o.auth).send({ name: '' }).expect(400)),
      ),
    );
    for (const o of orgs) {
      const page = await t.http().get('/api/v1/activity/audit?limit=200').set(o.auth).expect(200);
      const seqs = page.body.items.map((e: Entry) => e.seq);
      expect(page.body.items.filter((e: Entry) => e.action === 'api_keys.create')).toHaveLength(40);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs.length - i));
    }
  });

  it('an entry that cannot be stored does not take down the entries written in the same batch', async () => {
    const o = await registerOwner(t, 'seqbad');
    const audits = t.app.get(AuditService);
    const good = (n: number) =>
      audits.record({ orgId: o.orgId, category: 'system', action: `test.batch_${n}`, result: 'success' });
    // the unknown org violates the foreign key; the whole batch fails once and is retried entry by entry
    await Promise.all([
      good(1),
      audits.record({ orgId: randomUUID(), category: 'system', action: 'test.orphan', result: 'success' }),
      good(2),
      good(3),
    ]);
    const items = await audit(o, '?category=system');
    expect(items.map((e) => e.action).sort()).toEqual(['test.batch_1', 'test.batch_2', 'test.batch_3']);
    const all = (await audit(o, '?limit=200')).map((e) => e.seq);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => all.length - i));
  });

  it('the audit log is admin+; the feed is readable by every member and leaves policy entries out', async () => {
    const o = await registerOwner(t, 'auditroles');
    const member = await addMember(t, o, 'member', 'feedmember');
    const viewer = await addMember(t, o, 'viewer', 'feedviewer');
    await t.http().get('/api/v1/activity/audit').set(member.auth).expect(403);
    await t.http().get('/api/v1/activity/audit').set(viewer.auth).expect(403);
    await t.http().post('/api/v1/api-keys').set(viewer.auth).send({ name: 'nope' }).expect(403);
    await createApiKey(t, o, { name: 'feed-key' });
    const feed = await t.http().get('/api/v1/activity').set(viewer.auth).expect(200);
    expect(feed.body).toEqual({ items: expect.any(Array), next_cursor: null, total: expect.any(Number) });
    expect(feed.body.items.every((i: { category: string }) => i.category !== 'policy')).toBe(true);
    const created = feed.body.items.find((i: { action: string }) => i.action === 'api_keys.create');
    expect(created).toMatchObject({
      ts: expect.any(String),
      actor: { type: 'user', id: o.userId, name: o.email },
      verb: 'create',
      object: { type: 'api_key' },
      summary: expect.any(String),
    });
    const policy = await audit(o, '?category=policy');
    expect(policy.length).toBeGreaterThanOrEqual(3);
  });

  it('tenancy: another org never sees the entries; a foreign entry id is 404', async () => {
    const other = await registerOwner(t, 'auditother');
    const mine = await audit(owner);
    const theirs = await audit(other, '?limit=200');
    const ids = new Set(theirs.map((e) => e.id));
    expect(mine.some((e) => ids.has(e.id))).toBe(false);
    expect(theirs.every((e) => e.org_id === other.orgId)).toBe(true);
    await t.http().get(`/api/v1/activity/audit/${mine[0].id}`).set(other.auth).expect(404);
    await t.http().get(`/api/v1/activity/audit/${mine[0].id}`).set(owner.auth).expect(200);
    const feed = await t.http().get(`/api/v1/activity?actor=${owner.userId}`).set(other.auth).expect(200);
    expect(feed.body.total).toBe(0);
  });
});
