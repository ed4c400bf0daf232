import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { addMember, createApiKey, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('identity: API keys (/api-keys and the bearer guard)', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'keys');
  });
  afterAll(() => t.close());

  it('creates a key and shows the secret only once; metadata never carries it', async () => {
    const res = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .send({ name: 'release-bot', role: 'member', notes: 'posts deploy summaries', allowed_ips: ['10.20.0.0/16'] })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'release-bot',
      key: expect.stringMatching(/^ak_live_[A-Za-z0-9_-]{40,}$/),
      key_fingerprint: expect.stringMatching(/^ak_/),
      role: 'member',
      expires_at: null,
      allowed_ips: ['10.20.0.0/16'],
      notes: 'posts deploy summaries',
      scopes: [],
      created_by: owner.userId,
      created_at: expect.any(String),
      last_used_at: null,
      revoked_at: null,
      active: true,
    });
    expect(res.body.key.startsWith(res.body.key_fingerprint)).toBe(true);
    const one = await t.http().get(`/api/v1/api-keys/${res.body.id}`).set(owner.auth).expect(200);
    expect(one.body.key).toBeUndefined();
    expect(JSON.stringify(one.body)).not.toContain(res.body.key);
    expect(one.body.key_fingerprint).toBe(res.body.key_fingerprint);
    const list = await t.http().get('/api/v1/api-keys').set(owner.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
    expect(list.body.items.map((k: { id: string }) => k.id)).toContain(res.body.id);
  });

  it('lists keys with the pagination envelope', async () => {
    const o = await registerOwner(t, 'keypage');
    for (let i = 0; i < 3; i++) {
      await createApiKey(t, o, { name: `k${i}` });
    }
    const p1 = await t.http().get('/api/v1/api-keys?limit=2').set(o.auth).expect(200);
    expect(p1.body.total).toBe(3);
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.items.map((k: { name: string }) => k.name)).toEqual(['k2', 'k1']);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await t
      .http()
      .get(`/api/v1/api-keys?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`)
      .set(o.auth)
      .expect(200);
    expect(p2.body.items.map((k: { name: string }) => k.name)).toEqual(['k0']);
    expect(p2.body.next_cursor).toBeNull();
    await t.http().get('/api/v1/api-keys?cursor=garbage').set(o.auth).expect(400);
  });

  it('authenticates with the key in Authorization: Bearer, as the key role, and updates last_used_at', async () => {
    const key = await createApiKey(t, owner, { role: 'viewer' });
    const me = await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
    expect(me.body).toMatchObject({ id: owner.userId, role: 'viewer', api_key_id: key.id, org: { id: owner.orgId } });
    // the viewer key cannot write
    const denied = await t.http().post('/api/v1/api-keys').set(key.auth).send({ name: 'nope' }).expect(403);
    expect(denied.body.error.code).toBe('forbidden');
    const after = await t.http().get(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(200);
    expect(after.body.last_used_at).toEqual(expect.any(String));
  });

  it('rejects unknown, malformed and missing keys with 401 in the envelope', async () => {
    for (const bearer of ['ak_live_doesnotexist', 'ak_x', 'not-a-jwt']) {
      const res = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${bearer}`).expect(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('DELETE revokes at once (204) and the next request with the key is 401', async () => {
    const key = await createApiKey(t, owner);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
    await t.http().delete(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(204);
    const res = await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    expect(res.body.error).toMatchObject({ code: 'unauthorized', details: { reason: 'api_key_revoked' } });
    const meta = await t.http().get(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(200);
    expect(meta.body.active).toBe(false);
    expect(meta.body.revoked_at).toEqual(expect.any(String));
  });

  it('revocation is seen at once by another replica (no per-process key cache)', async () => {
    const t2 = await startTestApp();
    try {
      const key = await createApiKey(t, owner);
      await t2.http().get('/api/v1/auth/me').set(key.auth).expect(200);
      await t.http().delete(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(204);
      await t2.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    } finally {
      await t2.close();
    }
  });

  it('rotate returns a new secret and stops the old one at once by default', async () => {
    const key = await createApiKey(t, owner, { name: 'ci-bot', role: 'admin', notes: 'n', allowed_ips: [] });
    const rot = await t.http().post(`/api/v1/api-keys/${key.id}/rotate`).set(owner.auth).send({}).expect(201);
    expect(rot.body).toMatchObject({
      name: 'ci-bot-rotated',
      role: 'admin',
      notes: 'n',
      key: expect.stringMatching(/^ak_live_/),
      active: true,
    });
    expect(rot.body.id).not.toBe(key.id);
    expect(rot.body.key).not.toBe(key.key);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${rot.body.key}`).expect(200);
    // a rotated key cannot be rotated again
    await t.http().post(`/api/v1/api-keys/${key.id}/rotate`).set(owner.auth).send({}).expect(409);
  });

  it('rotate with revoke_old_after_secs keeps the old key working during the grace period only', async () => {
    const key = await createApiKey(t, owner);
    const rot = await t
      .http()
      .post(`/api/v1/api-keys/${key.id}/rotate`)
      .set(owner.auth)
      .send({ revoke_old_after_secs: 2 })
      .expect(201);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${rot.body.key}`).expect(200);
    await sleep(2300);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${rot.body.key}`).expect(200);
    await t
      .http()
      .post(`/api/v1/api-keys/${key.id}/rotate`)
      .set(owner.auth)
      .send({ revoke_old_after_secs: -1 })
      .expect(400);
  });

  it('a key role may not exceed the creator role (403)', async () => {
    const admin = await addMember(t, owner, 'admin', 'keyadmin');
    const res = await t
      .http()
      .post('/api/v1/api-keys')
      .set(admin.auth)
      .send({ name: 'too-strong', role: 'owner' })
      .expect(403);
    expect(res.body.error.code).toBe('forbidden');
    await t.http().post('/api/v1/api-keys').set(admin.auth).send({ name: 'admin-ok', role: 'admin' }).expect(201);
  });

  it('expires_at must be in the future; an expired key is refused', async () => {
    const past = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .send({ name: 'past', expires_at: new Date(Date.now() - 60_000).toISOString() })
      .expect(400);
    expect(past.body.error.code).toBe('validation_failed');
    await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .send({ name: 'bad-date', expires_at: 'tomorrow' })
      .expect(400);
    const key = await createApiKey(t, owner, { expires_at: new Date(Date.now() + 1500).toISOString() });
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
    await sleep(1700);
    const res = await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    expect(res.body.error.details.reason).toBe('api_key_expired');
  });

  it('allowed_ips: requests from other addresses are 401', async () => {
    const key = await createApiKey(t, owner, { allowed_ips: ['10.20.0.0/16', '192.0.2.7'] });
    // the test client connects from 127.0.0.1 (loopback is a trusted proxy, so X-Forwarded-For is honoured)
    const res = await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    expect(res.body.error.details.reason).toBe('ip_not_allowed');
    await t.http().get('/api/v1/auth/me').set(key.auth).set('X-Forwarded-For', '10.20.7.9').expect(200);
    await t.http().get('/api/v1/auth/me').set(key.auth).set('X-Forwarded-For', '192.0.2.7').expect(200);
    await t.http().get('/api/v1/auth/me').set(key.auth).set('X-Forwarded-For', '10.21.0.1').expect(401);
    const bad = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .send({ name: 'bad-ip', allowed_ips: ['10.0.0.0/33'] })
      .expect(400);
    expect(bad.body.error.details.fields[0].field).toBe('allowed_ips');
  });

  it('names are unique per org among live keys (409); another org may reuse the name', async () => {
    await createApiKey(t, owner, { name: 'dup-name' });
    const res = await t.http().post('/api/v1/api-keys').set(owner.auth).send({ name: 'dup-name' }).expect(409);
    expect(res.body.error.code).toBe('already_exists');
    const other = await registerOwner(t, 'keys2');
    await createApiKey(t, other, { name: 'dup-name' });
  });

  it('rejects bad input with 400 validation_failed', async () => {
    for (const body of [
      {},
      { name: '' },
      { name: 'x', role: 'superuser' },
      { name: 'x', extra: true },
      { name: 'x', allowed_ips: 'a' },
    ]) {
      const res = await t.http().post('/api/v1/api-keys').set(owner.auth).send(body).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('members and viewers cannot manage keys (403); anonymous is 401', async () => {
    const member = await addMember(t, owner, 'member', 'keymember');
    const viewer = await addMember(t, owner, 'viewer', 'keyviewer');
    const key = await createApiKey(t, owner);
    for (const u of [member, viewer]) {
      await t.http().post('/api/v1/api-keys').set(u.auth).send({ name: 'm', role: 'viewer' }).expect(403);
      await t.http().get('/api/v1/api-keys').set(u.auth).expect(403);
      await t.http().delete(`/api/v1/api-keys/${key.id}`).set(u.auth).expect(403);
      await t.http().post(`/api/v1/api-keys/${key.id}/rotate`).set(u.auth).send({}).expect(403);
    }
    await t.http().get('/api/v1/api-keys').expect(401);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
  });

  it("tenancy: another org's key is 404 everywhere and never listed", async () => {
    const other = await registerOwner(t, 'keysother');
    const key = await createApiKey(t, owner);
    const get = await t.http().get(`/api/v1/api-keys/${key.id}`).set(other.auth).expect(404);
    expect(get.body.error.code).toBe('not_found');
    await t.http().delete(`/api/v1/api-keys/${key.id}`).set(other.auth).expect(404);
    await t.http().post(`/api/v1/api-keys/${key.id}/rotate`).set(other.auth).send({}).expect(404);
    const list = await t.http().get('/api/v1/api-keys').set(other.auth).expect(200);
    expect(list.body.items.map((k: { id: string }) => k.id)).not.toContain(key.id);
    await t.http().get('/api/v1/api-keys/not-a-uuid').set(other.auth).expect(404);
    // the key still works: the other org's DELETE did nothing
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
  });

  it('the secret is stored only as its SHA-256 hash; Idempotency-Key replays return the original key without the secret', async () => {
    const idem = randomUUID();
    const body = { name: `idem-${idem.slice(0, 8)}`, role: 'viewer' };
    const first = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .set('Idempotency-Key', idem)
      .send(body)
      .expect(201);
    const replay = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .set('Idempotency-Key', idem)
      .send(body)
      .expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.body.key).toBeUndefined();
    const other = await t
      .http()
      .post('/api/v1/api-keys')
      .set(owner.auth)
      .set('Idempotency-Key', idem)
      .send({ ...body, role: 'member' })
      .expect(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    const ds = t.app.get(DataSource);
    const [row] = (await ds.query('SELECT key_hash FROM api_keys WHERE id = $1', [first.body.id])) as {
      key_hash: string;
    }[];
    expect(row.key_hash).toBe(createHash('sha256').update(first.body.key).digest('hex'));
    const secretPart = first.body.key.slice(first.body.key_fingerprint.length);
    const leaks = (await ds.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE response::text LIKE $1`, [
      `%${secretPart}%`,
    ])) as { n: number }[];
    expect(leaks[0].n).toBe(0);
    const audit = (await ds.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE coalesce(details::text, '') || coalesce(target::text, '') LIKE $1`,
      [`%${secretPart}%`],
    )) as { n: number }[];
    expect(audit[0].n).toBe(0);
  });

  it('key creation and deletion are audited (category auth)', async () => {
    const key = await createApiKey(t, owner, { name: 'audited' });
    await t.http().delete(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(204);
    const created = await t
      .http()
      .get('/api/v1/activity/audit?action=api_keys.create&category=auth')
      .set(owner.auth)
      .expect(200);
    expect(created.body.items.some((e: { target: { id: string } }) => e.target.id === key.id)).toBe(true);
    const deleted = await t.http().get('/api/v1/activity/audit?action=api_keys.delete').set(owner.auth).expect(200);
    expect(deleted.body.items[0]).toMatchObject({
      category: 'auth',
      result: 'success',
      actor: { type: 'user', id: owner.userId },
      target: { type: 'api_key', id: key.id },
    });
  });
});
