import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { addMember, createApiKey, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

describe('identity: register/login/me, roles and /users', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'users');
  });
  afterAll(() => t.close());

  describe('auth', () => {
    it('register with org_name creates the org with the user as owner, in the login shape', async () => {
      const email = `reg-${randomUUID().slice(0, 8)}@example.test`;
      const res = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email, password: 'password-123', name: 'Reg', org_name: `reg-${randomUUID().slice(0, 8)}` })
        .expect(201);
      expect(res.body).toEqual({
        token: expect.any(String),
        expires_at: expect.any(String),
        user: { id: expect.any(String), email, role: 'owner' },
      });
      expect(new Date(res.body.expires_at).getTime()).toBeGreaterThan(Date.now());
      const me = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
      expect(me.body).toMatchObject({
        id: res.body.user.id,
        email,
        name: 'Reg',
        role: 'owner',
        auth_provider: 'local',
        org: { id: expect.any(String), name: expect.any(String) },
      });
    });

    it('login returns token, expires_at and user; the password is stored as argon2id', async () => {
      const res = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ email: owner.email, password: 'password-123' })
        .expect(200);
      expect(res.body).toEqual({
        token: expect.any(String),
        expires_at: expect.any(String),
        user: { id: owner.userId, email: owner.email, role: 'owner' },
      });
      const [row] = (await t.app
        .get(DataSource)
        .query('SELECT password_hash FROM users WHERE id = $1', [owner.userId])) as { password_hash: string }[];
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
    });

    it('responses carrying credentials (login, register, invites) are never stored by the idempotency layer', async () => {
      const login = await t
        .http()
        .post('/api/v1/auth/login')
        .set('Idempotency-Key', randomUUID())
        .send({ email: owner.email, password: 'password-123' })
        .expect(200);
      const inv = await t
        .http()
        .post('/api/v1/users/invites')
        .set(owner.auth)
        .set('Idempotency-Key', randomUUID())
        .send({ email: `idem-${randomUUID().slice(0, 8)}@example.test`, role: 'viewer' })
        .expect(201);
      const ds = t.app.get(DataSource);
      for (const secret of [login.body.token.split('.')[2], inv.body.token]) {
        const [row] = (await ds.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE response::text LIKE $1`, [
          `%${secret}%`,
        ])) as { n: number }[];
        expect(row.n).toBe(0);
      }
    });

    it('register with Idempotency-Key: a replay logs the same user in again; other bodies are 409; no token is stored', async () => {
      const key = randomUUID();
      const body = {
        email: `ireg-${randomUUID().slice(0, 8)}@example.test`,
        password: 'password-123',
        org_name: `ireg-${randomUUID().slice(0, 8)}`,
      };
      const first = await t.http().post('/api/v1/auth/register').set('Idempotency-Key', key).send(body).expect(201);
      const again = await t.http().post('/api/v1/auth/register').set('Idempotency-Key', key).send(body).expect(201);
      expect(again.body.user).toEqual(first.body.user);
      await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${again.body.token}`).expect(200);
      const other = await t
        .http()
        .post('/api/v1/auth/register')
        .set('Idempotency-Key', key)
        .send({ ...body, org_name: `${body.org_name}-2` })
        .expect(409);
      expect(other.body.error.code).toBe('idempotency_key_reused');
      await t
        .http()
        .post('/api/v1/auth/register')
        .set('Idempotency-Key', key)
        .send({ ...body, password: 'another-password' })
        .expect(409);
      const [row] = (await t.app
        .get(DataSource)
        .query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE response::text LIKE $1`, [
          `%${first.body.token.split('.')[2]}%`,
        ])) as { n: number }[];
      expect(row.n).toBe(0);
    });

    it('wrong email and wrong password give the same 401', async () => {
      const a = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ email: owner.email, password: 'wrong-password' })
        .expect(401);
      const b = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ email: `nobody-${randomUUID()}@example.test`, password: 'wrong-password' })
        .expect(401);
      expect(a.body).toEqual(b.body);
      expect(a.body.error.code).toBe('unauthorized');
    });

    it('register rejects duplicates and bad input', async () => {
      const dupEmail = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: owner.email, password: 'password-123', org_name: `x-${randomUUID()}` })
        .expect(409);
      expect(dupEmail.body.error.code).toBe('already_exists');
      const orgName = `dup-${randomUUID().slice(0, 8)}`;
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `a-${randomUUID()}@example.test`, password: 'password-123', org_name: orgName })
        .expect(201);
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `b-${randomUUID()}@example.test`, password: 'password-123', org_name: orgName })
        .expect(409);
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `c-${randomUUID()}@example.test`, password: 'short', org_name: `x-${randomUUID()}` })
        .expect(400);
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: 'not-an-email', password: 'password-123', org_name: `x-${randomUUID()}` })
        .expect(400);
      const none = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `d-${randomUUID()}@example.test`, password: 'password-123' })
        .expect(400);
      expect(none.body.error.code).toBe('validation_failed');
    });

    it('register with invite_token joins the invite org with the invite role, once', async () => {
      const email = `inv-${randomUUID().slice(0, 8)}@example.test`;
      const inv = await t
        .http()
        .post('/api/v1/users/invites')
        .set(owner.auth)
        .send({ email, role: 'viewer' })
        .expect(201);
      expect(inv.body).toMatchObject({
        email,
        role: 'viewer',
        status: 'pending',
        token: expect.any(String),
        accept_url: expect.stringContaining('token='),
      });
      const wrongEmail = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `other-${randomUUID()}@example.test`, password: 'password-123', invite_token: inv.body.token })
        .expect(400);
      expect(wrongEmail.body.error.details.reason).toBe('invite_email_mismatch');
      const res = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email, password: 'password-123', invite_token: inv.body.token })
        .expect(201);
      expect(res.body.user).toMatchObject({ email, role: 'viewer' });
      const me = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
      expect(me.body.org.id).toBe(owner.orgId);
      const again = await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `z-${email}`, password: 'password-123', invite_token: inv.body.token })
        .expect(400);
      expect(again.body.error.details.reason).toBe('invalid_invite');
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: `y-${email}`, password: 'password-123', invite_token: 'inv_bogus' })
        .expect(400);
      const listed = await t.http().get('/api/v1/users/invites?status=accepted').set(owner.auth).expect(200);
      expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(inv.body.id);
    });

    it('a revoked invite cannot be used; members cannot invite; admins cannot invite above their role', async () => {
      const inv = await t
        .http()
        .post('/api/v1/users/invites')
        .set(owner.auth)
        .send({ email: `rv-${randomUUID().slice(0, 8)}@example.test`, role: 'member' })
        .expect(201);
      await t.http().delete(`/api/v1/users/invites/${inv.body.id}`).set(owner.auth).expect(204);
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: inv.body.email, password: 'password-123', invite_token: inv.body.token })
        .expect(400);
      const member = await addMember(t, owner, 'member');
      await t
        .http()
        .post('/api/v1/users/invites')
        .set(member.auth)
        .send({ email: `m-${randomUUID()}@example.test`, role: 'viewer' })
        .expect(403);
      const admin = await addMember(t, owner, 'admin');
      await t
        .http()
        .post('/api/v1/users/invites')
        .set(admin.auth)
        .send({ email: `o-${randomUUID()}@example.test`, role: 'owner' })
        .expect(403);
    });

    it("tenancy: another org's invite is 404 and never listed", async () => {
      const other = await registerOwner(t, 'usersinvother');
      const inv = await t
        .http()
        .post('/api/v1/users/invites')
        .set(owner.auth)
        .send({ email: `ten-${randomUUID().slice(0, 8)}@example.test`, role: 'member' })
        .expect(201);
      await t.http().get(`/api/v1/users/invites/${inv.body.id}`).set(other.auth).expect(404);
      await t.http().delete(`/api/v1/users/invites/${inv.body.id}`).set(other.auth).expect(404);
      const list = await t.http().get('/api/v1/users/invites').set(other.auth).expect(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(inv.body.id);
      const mine = await t.http().get(`/api/v1/users/invites/${inv.body.id}`).set(owner.auth).expect(200);
      expect(mine.body.status).toBe('pending');
    });
  });

  describe('/users', () => {
    it('GET /users/me returns the profile with org memberships; PATCH /users/me updates the name', async () => {
      const me = await t.http().get('/api/v1/users/me').set(owner.auth).expect(200);
      expect(me.body).toMatchObject({
        id: owner.userId,
        email: owner.email,
        role: 'owner',
        org: { id: owner.orgId },
        memberships: [{ org: { id: owner.orgId }, role: 'owner' }],
      });
      const upd = await t.http().patch('/api/v1/users/me').set(owner.auth).send({ name: 'Olivia Owner' }).expect(200);
      expect(upd.body.name).toBe('Olivia Owner');
      await t.http().patch('/api/v1/users/me').set(owner.auth).send({ role: 'viewer' }).expect(400);
    });

    it('PATCH /users/me changes the password only with the current one', async () => {
      const u = await addMember(t, owner, 'member', 'pw');
      await t.http().patch('/api/v1/users/me').set(u.auth).send({ password: 'new-password-1' }).expect(400);
      await t
        .http()
        .patch('/api/v1/users/me')
        .set(u.auth)
        .send({ password: 'new-password-1', current_password: 'wrong-one' })
        .expect(401);
      await t
        .http()
        .patch('/api/v1/users/me')
        .set(u.auth)
        .send({ password: 'new-password-1', current_password: 'password-123' })
        .expect(200);
      await t.http().post('/api/v1/auth/login').send({ email: u.email, password: 'password-123' }).expect(401);
      await t.http().post('/api/v1/auth/login').send({ email: u.email, password: 'new-password-1' }).expect(200);
    });

    it('GET /users lists org members, paginated; viewers may read', async () => {
      const o = await registerOwner(t, 'userslist');
      const viewer = await addMember(t, o, 'viewer');
      await addMember(t, o, 'member');
      const all = await t.http().get('/api/v1/users').set(viewer.auth).expect(200);
      expect(all.body.total).toBe(3);
      expect(all.body.items[0]).toEqual({
        id: expect.any(String),
        org_id: o.orgId,
        email: expect.any(String),
        name: null,
        role: expect.any(String),
        auth_provider: 'local',
        last_login_at: null,
        disabled: false,
        created_at: expect.any(String),
      });
      const p1 = await t.http().get('/api/v1/users?limit=2').set(viewer.auth).expect(200);
      expect(p1.body.items).toHaveLength(2);
      const p2 = await t
        .http()
        .get(`/api/v1/users?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`)
        .set(viewer.auth)
        .expect(200);
      expect(p2.body.items).toHaveLength(1);
      expect(p2.body.next_cursor).toBeNull();
      const one = await t.http().get(`/api/v1/users/${viewer.userId}`).set(o.auth).expect(200);
      expect(one.body.role).toBe('viewer');
    });

    it('a listed member is exactly what GET /users/:id answers (last login, disabled, timestamps), filters included', async () => {
      const o = await registerOwner(t, 'userslistsame');
      const gone = await addMember(t, o, 'member');
      await t.http().post('/api/v1/auth/login').send({ email: o.email, password: 'password-123' }).expect(200);
      await t.app
        .get(DataSource)
        .query(`UPDATE users SET disabled_at = now(), last_login_at = '2026-01-02T03:04:05.006Z' WHERE id = $1`, [
          gone.userId,
        ]);
      const list = await t.http().get('/api/v1/users').set(o.auth).expect(200);
      expect(list.body.total).toBe(2);
      for (const item of list.body.items as { id: string }[]) {
        const one = await t.http().get(`/api/v1/users/${item.id}`).set(o.auth).expect(200);
        expect(JSON.stringify(item)).toBe(JSON.stringify(one.body));
      }
      const byId = Object.fromEntries((list.body.items as { id: string }[]).map((u) => [u.id, u]));
      expect(byId[gone.userId]).toMatchObject({ disabled: true, last_login_at: '2026-01-02T03:04:05.006Z' });
      expect(byId[o.userId]).toMatchObject({ disabled: false, last_login_at: expect.stringMatching(/Z$/) });
      const disabled = await t.http().get('/api/v1/users?disabled=true').set(o.auth).expect(200);
      expect(disabled.body).toMatchObject({ total: 1, items: [{ id: gone.userId }] });
    });

    it("tenancy: another org's user is 404 for get, patch and delete, and never listed", async () => {
      const other = await registerOwner(t, 'usersother');
      await t.http().get(`/api/v1/users/${owner.userId}`).set(other.auth).expect(404);
      await t.http().patch(`/api/v1/users/${owner.userId}`).set(other.auth).send({ role: 'viewer' }).expect(404);
      await t.http().delete(`/api/v1/users/${owner.userId}`).set(other.auth).expect(404);
      const list = await t.http().get('/api/v1/users').set(other.auth).expect(200);
      expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([other.userId]);
      await t.http().get('/api/v1/users/me').set(owner.auth).expect(200);
    });

    it('role changes: admin+ only, never above your own role, and they apply at once', async () => {
      const o = await registerOwner(t, 'roles');
      const admin = await addMember(t, o, 'admin');
      const member = await addMember(t, o, 'member');
      const viewer = await addMember(t, o, 'viewer');
      await t.http().patch(`/api/v1/users/${viewer.userId}`).set(member.auth).send({ role: 'member' }).expect(403);
      await t.http().patch(`/api/v1/users/${member.userId}`).set(viewer.auth).send({ role: 'viewer' }).expect(403);
      await t.http().patch(`/api/v1/users/${member.userId}`).set(admin.auth).send({ role: 'owner' }).expect(403);
      await t.http().patch(`/api/v1/users/${o.userId}`).set(admin.auth).send({ role: 'member' }).expect(403);
      await t.http().patch(`/api/v1/users/${member.userId}`).set(admin.auth).send({ role: 'superuser' }).expect(400);
      // the member cannot manage keys until promoted; the promotion applies to the token already issued
      await t.http().post('/api/v1/api-keys').set(member.auth).send({ name: 'm-key' }).expect(403);
      const res = await t
        .http()
        .patch(`/api/v1/users/${member.userId}`)
        .set(admin.auth)
        .send({ role: 'admin' })
        .expect(200);
      expect(res.body.role).toBe('admin');
      await t.http().post('/api/v1/api-keys').set(member.auth).send({ name: 'm-key' }).expect(201);
      // demotion applies at once too: it ends the sessions issued before, and a new one has the lower role
      await t.http().patch(`/api/v1/users/${member.userId}`).set(o.auth).send({ role: 'viewer' }).expect(200);
      const ended = await t.http().post('/api/v1/api-keys').set(member.auth).send({ name: 'm-key-2' }).expect(401);
      expect(ended.body.error.details.reason).toBe('session_revoked');
      const again = await t
        .http()
        .post('/api/v1/auth/login')
        .send({ email: member.email, password: 'password-123' })
        .expect(200);
      await t
        .http()
        .post('/api/v1/api-keys')
        .set('Authorization', `Bearer ${again.body.token}`)
        .send({ name: 'm-key-2' })
        .expect(403);
    });

    it('viewers are read-only; members cannot manage keys, settings or users', async () => {
      const o = await registerOwner(t, 'matrix');
      const member = await addMember(t, o, 'member');
      const viewer = await addMember(t, o, 'viewer');
      for (const u of [member, viewer]) {
        await t.http().get('/api/v1/users').set(u.auth).expect(200);
        await t.http().get('/api/v1/activity').set(u.auth).expect(200);
        await t.http().get('/api/v1/activity/audit').set(u.auth).expect(403);
        await t
          .http()
          .post('/api/v1/users/invites')
          .set(u.auth)
          .send({ email: `x-${randomUUID()}@example.test`, role: 'viewer' })
          .expect(403);
        await t.http().delete(`/api/v1/users/${o.userId}`).set(u.auth).expect(403);
        await t.http().get('/api/v1/api-keys').set(u.auth).expect(403);
      }
    });

    it('the last owner cannot be demoted or removed (409); with a second owner it works', async () => {
      const o = await registerOwner(t, 'lastowner');
      const demote = await t.http().patch(`/api/v1/users/${o.userId}`).set(o.auth).send({ role: 'admin' }).expect(409);
      expect(demote.body.error.code).toBe('last_owner');
      await t.http().delete(`/api/v1/users/${o.userId}`).set(o.auth).expect(409);
      const second = await addMember(t, o, 'owner');
      await t.http().patch(`/api/v1/users/${o.userId}`).set(second.auth).send({ role: 'admin' }).expect(200);
      await t.http().patch(`/api/v1/users/${second.userId}`).set(second.auth).send({ role: 'admin' }).expect(409);
    });

    it('DELETE /users/:id removes the member; their tokens and API keys stop working', async () => {
      const o = await registerOwner(t, 'remove');
      const admin = await addMember(t, o, 'admin');
      const key = await createApiKey(t, admin);
      await t.http().get('/api/v1/auth/me').set(key.auth).expect(200);
      await t.http().delete(`/api/v1/users/${admin.userId}`).set(o.auth).expect(204);
      await t.http().get('/api/v1/auth/me').set(admin.auth).expect(401);
      await t.http().get('/api/v1/auth/me').set(key.auth).expect(401);
      await t.http().get(`/api/v1/users/${admin.userId}`).set(o.auth).expect(404);
    });
  });
});
