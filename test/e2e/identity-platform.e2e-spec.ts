import { randomUUID } from 'node:crypto';
import { addMember, createApiKey, loginAdmin, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

describe('identity: /platform (platform admins)', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  it('admin@localhost is a platform admin; org owners are not (403), anonymous is 401', async () => {
    const me = await t.http().get('/api/v1/auth/me').set(admin.auth).expect(200);
    expect(me.body.platform_admin).toBe(true);
    const owner = await registerOwner(t, 'notpa');
    for (const [method, path] of [
      ['get', '/platform/orgs'],
      ['post', '/platform/orgs'],
      ['get', '/platform/users'],
      ['get', '/platform/invites'],
      ['post', `/platform/users/${owner.userId}/disable`],
    ] as const) {
      const res = await t.http()[method](`/api/v1${path}`).set(owner.auth).send({}).expect(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    await t.http().get('/api/v1/platform/orgs').expect(401);
    // a key of an owner has no platform power; a platform admin's key only with the platform scope
    const ownerKey = await createApiKey(t, owner, { role: 'owner' });
    await t.http().get('/api/v1/platform/orgs').set(ownerKey.auth).expect(403);
    const adminKey = await createApiKey(t, admin, { role: 'owner' });
    await t.http().get('/api/v1/platform/orgs').set(adminKey.auth).expect(403);
    const platformKey = await createApiKey(t, admin, { role: 'admin', scopes: ['platform'] });
    await t.http().get('/api/v1/platform/orgs').set(platformKey.auth).expect(200);
  });

  it('orgs: create, list (paginated, with user_count and plan), get, update, duplicate name 409', async () => {
    const name = `pa-${randomUUID().slice(0, 8)}`;
    const created = await t
      .http()
      .post('/api/v1/platform/orgs')
      .set(admin.auth)
      .send({ name, display_name: 'PA Org', plan: 'team' })
      .expect(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      name,
      display_name: 'PA Org',
      plan: 'team',
      disabled: false,
      user_count: 0,
      created_at: expect.any(String),
    });
    expect(created.body.owner_invite).toBeUndefined();
    const dup = await t.http().post('/api/v1/platform/orgs').set(admin.auth).send({ name }).expect(409);
    expect(dup.body.error.code).toBe('already_exists');
    await t.http().post('/api/v1/platform/orgs').set(admin.auth).send({ name: 'Not A Slug!' }).expect(400);
    await t
      .http()
      .post('/api/v1/platform/orgs')
      .set(admin.auth)
      .send({ name: `p-${randomUUID().slice(0, 6)}`, plan: 'platinum' })
      .expect(400);
    const p1 = await t.http().get('/api/v1/platform/orgs?limit=1').set(admin.auth).expect(200);
    expect(p1.body).toEqual({
      items: [expect.objectContaining({ user_count: expect.any(Number), plan: expect.any(String) })],
      next_cursor: expect.any(String),
      total: expect.any(Number),
    });
    expect(p1.body.total).toBeGreaterThanOrEqual(2);
    const found = await t.http().get(`/api/v1/platform/orgs?q=${name}`).set(admin.auth).expect(200);
    expect(found.body.items.map((o: { id: string }) => o.id)).toEqual([created.body.id]);
    const detail = await t.http().get(`/api/v1/platform/orgs/${created.body.id}`).set(admin.auth).expect(200);
    expect(detail.body).toMatchObject({ id: created.body.id, usage: { users: 0, api_keys: 0 } });
    const upd = await t
      .http()
      .patch(`/api/v1/platform/orgs/${created.body.id}`)
      .set(admin.auth)
      .send({ plan: 'enterprise', display_name: 'Renamed' })
      .expect(200);
    expect(upd.body).toMatchObject({ plan: 'enterprise', display_name: 'Renamed', name });
    await t.http().get(`/api/v1/platform/orgs/${randomUUID()}`).set(admin.auth).expect(404);
  });

  it('org with owner_email: the owner invite token is returned once and accepted via /platform/invites/accept', async () => {
    const email = `boss-${randomUUID().slice(0, 8)}@example.test`;
    const created = await t
      .http()
      .post('/api/v1/platform/orgs')
      .set(admin.auth)
      .send({ name: `own-${randomUUID().slice(0, 8)}`, owner_email: email })
      .expect(201);
    expect(created.body.owner_invite).toMatchObject({
      email,
      role: 'owner',
      org_id: created.body.id,
      token: expect.any(String),
      accept_url: expect.any(String),
      status: 'pending',
    });
    const accepted = await t
      .http()
      .post('/api/v1/platform/invites/accept')
      .send({ token: created.body.owner_invite.token, password: 'password-123', name: 'Boss' })
      .expect(201);
    expect(accepted.body).toEqual({
      token: expect.any(String),
      expires_at: expect.any(String),
      user: { id: expect.any(String), email, role: 'owner' },
    });
    const me = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${accepted.body.token}`).expect(200);
    expect(me.body.org.id).toBe(created.body.id);
    await t
      .http()
      .post('/api/v1/platform/invites/accept')
      .send({ token: created.body.owner_invite.token, password: 'password-123' })
      .expect(400);
    const listed = await t.http().get(`/api/v1/platform/invites?org_id=${created.body.id}`).set(admin.auth).expect(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: created.body.owner_invite.id, status: 'accepted' }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.owner_invite.token);
  });

  it('invites: create with role/email/expiry, list, revoke; revoked and expired invites cannot be accepted', async () => {
    const org = (
      await t
        .http()
        .post('/api/v1/platform/orgs')
        .set(admin.auth)
        .send({ name: `inv-${randomUUID().slice(0, 8)}` })
        .expect(201)
    ).body;
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const a = await t
      .http()
      .post(`/api/v1/platform/orgs/${org.id}/invites`)
      .set(admin.auth)
      .send({ email: `a-${randomUUID().slice(0, 6)}@example.test`, role: 'admin', expires_at: expiresAt })
      .expect(201);
    expect(a.body).toMatchObject({
      role: 'admin',
      expires_at: expiresAt,
      status: 'pending',
      token: expect.any(String),
    });
    const b = await t
      .http()
      .post('/api/v1/platform/invites')
      .set(admin.auth)
      .send({ org_id: org.id, email: `b-${randomUUID().slice(0, 6)}@example.test`, role: 'viewer' })
      .expect(201);
    const weekish = new Date(b.body.expires_at).getTime() - Date.now();
    expect(weekish).toBeGreaterThan(6.9 * 24 * 3600_000);
    await t
      .http()
      .post('/api/v1/platform/invites')
      .set(admin.auth)
      .send({ org_id: randomUUID(), email: 'x@example.test', role: 'viewer' })
      .expect(404);
    await t
      .http()
      .post('/api/v1/platform/invites')
      .set(admin.auth)
      .send({
        org_id: org.id,
        email: 'x@example.test',
        role: 'viewer',
        expires_at: new Date(Date.now() - 1000).toISOString(),
      })
      .expect(400);
    const pending = await t
      .http()
      .get(`/api/v1/platform/invites?org_id=${org.id}&status=pending`)
      .set(admin.auth)
      .expect(200);
    expect(pending.body.total).toBe(2);
    await t.http().delete(`/api/v1/platform/invites/${b.body.id}`).set(admin.auth).expect(204);
    await t
      .http()
      .post('/api/v1/platform/invites/accept')
      .send({ token: b.body.token, password: 'password-123' })
      .expect(400);
    const revoked = await t
      .http()
      .get(`/api/v1/platform/invites?org_id=${org.id}&status=revoked`)
      .set(admin.auth)
      .expect(200);
    expect(revoked.body.items.map((i: { id: string }) => i.id)).toEqual([b.body.id]);
    await t.http().delete(`/api/v1/platform/invites/${randomUUID()}`).set(admin.auth).expect(404);
    const soon = await t
      .http()
      .post('/api/v1/platform/invites')
      .set(admin.auth)
      .send({
        org_id: org.id,
        email: `c-${randomUUID().slice(0, 6)}@example.test`,
        role: 'member',
        expires_at: new Date(Date.now() + 1000).toISOString(),
      })
      .expect(201);
    await new Promise((r) => setTimeout(r, 1200));
    const expired = await t
      .http()
      .post('/api/v1/platform/invites/accept')
      .send({ token: soon.body.token, password: 'password-123' })
      .expect(400);
    expect(expired.body.error.details).toMatchObject({ reason: 'invalid_invite', status: 'expired' });
    // accepted through register with invite_token as well
    const reg = await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email: a.body.email, password: 'password-123', invite_token: a.body.token })
      .expect(201);
    expect(reg.body.user.role).toBe('admin');
  });

  it('users: list across orgs (paginated, filter by org and q); disable stops tokens AND api keys at once; enable restores', async () => {
    const o = await registerOwner(t, 'padis');
    const member = await addMember(t, o, 'admin', 'padisadmin');
    const key = await createApiKey(t, member);
    const all = await t.http().get('/api/v1/platform/users?limit=2').set(admin.auth).expect(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.next_cursor).toEqual(expect.any(String));
    const inOrg = await t.http().get(`/api/v1/platform/users?org_id=${o.orgId}`).set(admin.auth).expect(200);
    expect(inOrg.body.total).toBe(2);
    const byQ = await t
      .http()
      .get(`/api/v1/platform/users?q=${encodeURIComponent(member.email)}`)
      .set(admin.auth)
      .expect(200);
    expect(byQ.body.items.map((u: { id: string }) => u.id)).toEqual([member.userId]);

    const dis = await t.http().post(`/api/v1/platform/users/${member.userId}/disable`).set(admin.auth).expect(200);
    expect(dis.body).toMatchObject({ id: member.userId, disabled: true });
    expect((await t.http().get('/api/v1/auth/me').set(member.auth).expect(401)).body.error.details.reason).toBe(
      'user_disabled',
    );
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    await t.http().post('/api/v1/auth/login').send({ email: member.email, password: 'password-123' }).expect(401);
    await t.http().get('/api/v1/auth/me').set(o.auth).expect(200);

    await t.http().post(`/api/v1/platform/users/${member.userId}/enable`).set(admin.auth).expect(200);
    // the sessions issued before the disable stay ended; API keys (not sessions) work again
    expect((await t.http().get('/api/v1/auth/me').set(member.auth).expect(401)).body.error.details.reason).toBe(
      'session_revoked',
    );
    await t.http().post('/api/v1/auth/login').send({ email: member.email, password: 'password-123' }).expect(200);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
    await t
      .http()
      .patch(`/api/v1/platform/users/${member.userId}`)
      .set(admin.auth)
      .send({ disabled: true })
      .expect(200);
    await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
    await t.http().post(`/api/v1/platform/users/${admin.userId}/disable`).set(admin.auth).expect(400);
    await t.http().post(`/api/v1/platform/users/${randomUUID()}/disable`).set(admin.auth).expect(404);
  });

  it('permissions: granting platform:admin makes a user a platform admin', async () => {
    const o = await registerOwner(t, 'pagrant');
    await t.http().get('/api/v1/platform/orgs').set(o.auth).expect(403);
    await t
      .http()
      .patch(`/api/v1/platform/users/${o.userId}`)
      .set(admin.auth)
      .send({ permissions: ['platform:admin'] })
      .expect(200);
    await t.http().get('/api/v1/platform/orgs').set(o.auth).expect(200);
  });

  it('disabling an org: its members get 403 org_disabled (tokens and keys); other orgs are unaffected', async () => {
    const o = await registerOwner(t, 'paorg');
    const key = await createApiKey(t, o);
    const other = await registerOwner(t, 'paorgother');
    const dis = await t.http().post(`/api/v1/platform/orgs/${o.orgId}/disable`).set(admin.auth).expect(200);
    expect(dis.body).toMatchObject({ id: o.orgId, disabled: true });
    const res = await t.http().get('/api/v1/users').set(o.auth).expect(403);
    expect(res.body.error.code).toBe('org_disabled');
    await t.http().get('/api/v1/users').set(key.auth).expect(403);
    await t.http().get('/api/v1/users').set(other.auth).expect(200);
    const login = await t
      .http()
      .post('/api/v1/auth/login')
      .send({ email: o.email, password: 'password-123' })
      .expect(403);
    expect(login.body.error.code).toBe('org_disabled');
    const list = await t.http().get('/api/v1/platform/orgs?disabled=true&limit=200').set(admin.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(o.orgId);
    await t.http().post(`/api/v1/platform/orgs/${o.orgId}/enable`).set(admin.auth).expect(200);
    await t.http().get('/api/v1/users').set(o.auth).expect(200);
  });

  it('a platform admin whose own org is disabled keeps access (to re-enable it); its other members do not', async () => {
    const o = await registerOwner(t, 'paself');
    const member = await addMember(t, o, 'member', 'paselfm');
    await t
      .http()
      .patch(`/api/v1/platform/users/${o.userId}`)
      .set(admin.auth)
      .send({ permissions: ['platform:admin'] })
      .expect(200);
    await t.http().post(`/api/v1/platform/orgs/${o.orgId}/disable`).set(o.auth).expect(200);
    await t.http().get('/api/v1/users').set(member.auth).expect(403);
    await t.http().post(`/api/v1/platform/orgs/${o.orgId}/enable`).set(o.auth).expect(200);
    await t.http().get('/api/v1/users').set(member.auth).expect(200);
  });

  it('platform actions are audited (category platform_admin)', async () => {
    const name = `aud-${randomUUID().slice(0, 8)}`;
    const created = await t.http().post('/api/v1/platform/orgs').set(admin.auth).send({ name }).expect(201);
    const entries = await t
      .http()
      .get('/api/v1/activity/audit?category=platform_admin&action=platform.orgs.create')
      .set(admin.auth)
      .expect(200);
    expect(entries.body.items.some((e: { target: { id: string } }) => e.target.id === created.body.id)).toBe(true);
  });
});
