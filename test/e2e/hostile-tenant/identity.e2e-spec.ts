import { PasswordHasher } from '@libs/auth/password-hasher';
import { AppConfig } from '@libs/config';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { addMember, createApiKey, loginAdmin, registerOwner, TestUser } from '../../factories/users';
import { startTestApp, TestApp } from '../../setup/test-app';

/** A fresh client address per use (X-Forwarded-For from loopback is trusted), so Redis counters never collide. */
const ip = () => `2001:db8:1d::${randomUUID().slice(0, 4)}:${randomUUID().slice(0, 4)}`;

/** Runs `fn` against an app booted on a fresh, empty database (migrated at boot), then drops it. */
async function withEmptyInstall(env: Record<string, string>, fn: (app: TestApp) => Promise<void>): Promise<void> {
  const base = process.env.DATABASE_URL!;
  const url = base.replace(/\/([^/]+)$/, `/$1_empty_${process.pid}`);
  const db = new URL(url).pathname.slice(1);
  const admin = new Client({ connectionString: base.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${db}"`);
  await admin.query(`CREATE DATABASE "${db}"`);
  try {
    const app = await startTestApp({ DATABASE_URL: url, ...env });
    try {
      await fn(app);
    } finally {
      await app.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * Issue 8 (identity): a self-registered org owner — or anyone holding an old token — tries to
 * keep or gain power that the install meant to take away or never gave.
 */
describe('hostile tenant: identity (sessions that end, platform power by user id, registration, hashing)', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const me = (auth: { Authorization: string }) => t.http().get('/api/v1/auth/me').set(auth);
  const login = (email: string, password = 'password-123') =>
    t.http().post('/api/v1/auth/login').send({ email, password });
  const reasonOf = (res: { body: { error: { details?: { reason?: string } } } }) => res.body.error.details?.reason;

  describe('sessions end', () => {
    it('changing the password (PATCH /users/me) ends every session issued before, the caller’s too', async () => {
      const o = await registerOwner(t, 'pwchange');
      const second = await login(o.email).expect(200);
      await t
        .http()
        .patch('/api/v1/users/me')
        .set(o.auth)
        .send({ password: 'new-password-1', current_password: 'password-123' })
        .expect(200);
      for (const token of [o.token, second.body.token as string]) {
        const res = await me({ Authorization: `Bearer ${token}` }).expect(401);
        expect(reasonOf(res)).toBe('session_revoked');
      }
      const fresh = await login(o.email, 'new-password-1').expect(200);
      await me({ Authorization: `Bearer ${fresh.body.token}` }).expect(200);
    });

    it('a platform reset ends the sessions at once; using the reset token ends them again and logs in', async () => {
      const o = await registerOwner(t, 'pwreset');
      const issued = await t
        .http()
        .post(`/api/v1/platform/users/${o.userId}/reset-password`)
        .set(admin.auth)
        .expect(200);
      expect(reasonOf(await me(o.auth).expect(401))).toBe('session_revoked');
      const between = await login(o.email).expect(200); // the old password still works until the reset is used
      const reset = await t
        .http()
        .post('/api/v1/auth/reset-password')
        .send({ token: issued.body.reset_token, password: 'reset-password-1' })
        .expect(200);
      expect(reasonOf(await me({ Authorization: `Bearer ${between.body.token}` }).expect(401))).toBe('session_revoked');
      await me({ Authorization: `Bearer ${reset.body.token}` }).expect(200);
    });

    it('disabling a user ends their sessions for good: enabling again does not revive the old token', async () => {
      const o = await registerOwner(t, 'disable');
      const m = await addMember(t, o, 'member', 'disablem');
      await t.http().post(`/api/v1/platform/users/${m.userId}/disable`).set(admin.auth).expect(200);
      expect(reasonOf(await me(m.auth).expect(401))).toBe('user_disabled');
      await t.http().post(`/api/v1/platform/users/${m.userId}/enable`).set(admin.auth).expect(200);
      expect(reasonOf(await me(m.auth).expect(401))).toBe('session_revoked');
      const again = await login(m.email).expect(200);
      await me({ Authorization: `Bearer ${again.body.token}` }).expect(200);
    });

    it('a demotion (PATCH /users/:id, platform PATCH) ends the sessions; a promotion keeps them', async () => {
      const o = await registerOwner(t, 'demote');
      const a = await addMember(t, o, 'member', 'demotea');
      await t.http().patch(`/api/v1/users/${a.userId}`).set(o.auth).send({ role: 'admin' }).expect(200);
      await t.http().get('/api/v1/api-keys').set(a.auth).expect(200); // promoted, same token
      await t.http().patch(`/api/v1/users/${a.userId}`).set(o.auth).send({ role: 'viewer' }).expect(200);
      expect(reasonOf(await me(a.auth).expect(401))).toBe('session_revoked');
      const again = await login(a.email).expect(200);
      const auth = { Authorization: `Bearer ${again.body.token}` };
      await t.http().get('/api/v1/api-keys').set(auth).expect(403);
      await t.http().patch(`/api/v1/platform/users/${a.userId}`).set(admin.auth).send({ role: 'admin' }).expect(200);
      await t.http().get('/api/v1/api-keys').set(auth).expect(200);
      await t.http().patch(`/api/v1/platform/users/${a.userId}`).set(admin.auth).send({ role: 'member' }).expect(200);
      expect(reasonOf(await me(auth).expect(401))).toBe('session_revoked');
    });

    it('a removed member’s token is refused', async () => {
      const o = await registerOwner(t, 'removed');
      const m = await addMember(t, o, 'admin', 'removedm');
      await t.http().delete(`/api/v1/users/${m.userId}`).set(o.auth).expect(204);
      await me(m.auth).expect(401);
    });

    it('POST /auth/logout ends this token only; API keys are not sessions (400)', async () => {
      const o = await registerOwner(t, 'logout');
      const other = await login(o.email).expect(200);
      await t.http().post('/api/v1/auth/logout').set(o.auth).expect(204);
      expect(reasonOf(await me(o.auth).expect(401))).toBe('logged_out');
      await t.http().post('/api/v1/auth/logout').set(o.auth).expect(401);
      await me({ Authorization: `Bearer ${other.body.token}` }).expect(200);
      const key = await createApiKey(t, { ...o, auth: { Authorization: `Bearer ${other.body.token}` } });
      const res = await t.http().post('/api/v1/auth/logout').set(key.auth).expect(400);
      expect(reasonOf(res)).toBe('not_a_session');
      await me(key.auth).expect(200);
    });

    it('a correctly signed token without a session version (older build or forged claims) is refused', async () => {
      const o = await registerOwner(t, 'notv');
      const key = new TextEncoder().encode(t.app.get(AppConfig).auth.jwtSecret);
      const forged = await new SignJWT({ org_id: o.orgId, role: 'owner', email: o.email })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(o.userId)
        .setIssuer('agentcy')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
      expect(reasonOf(await me({ Authorization: `Bearer ${forged}` }).expect(401))).toBe('session_revoked');
    });
  });

  describe('platform power is held by the user id', () => {
    it('registering an email an operator once listed in PLATFORM_ADMIN_EMAILS gives no /platform power', async () => {
      const email = `root-${randomUUID().slice(0, 8)}@example.test`;
      const t2 = await startTestApp({ PLATFORM_ADMIN_EMAILS: `admin@localhost,${email}` });
      try {
        const res = await t2
          .http()
          .post('/api/v1/auth/register')
          .send({ email, password: 'password-123', org_name: `root-${randomUUID().slice(0, 8)}` })
          .expect(201);
        const auth = { Authorization: `Bearer ${res.body.token}` };
        expect((await t2.http().get('/api/v1/auth/me').set(auth).expect(200)).body.platform_admin).toBe(false);
        await t2.http().get('/api/v1/platform/orgs').set(auth).expect(403);
        await t2.http().get('/api/v1/platform/users').set(auth).expect(403);
      } finally {
        await t2.close();
      }
    });

    it('granted and revoked through /platform (audited); revoking ends the sessions', async () => {
      const o = await registerOwner(t, 'grant');
      await t.http().get('/api/v1/platform/orgs').set(o.auth).expect(403);
      const granted = await t
        .http()
        .post(`/api/v1/platform/users/${o.userId}/platform-admin`)
        .set(admin.auth)
        .expect(200);
      expect(granted.body).toEqual({ user_id: o.userId, platform_admin: true });
      await t.http().get('/api/v1/platform/orgs').set(o.auth).expect(200);
      // a platform admin of another org cannot be made one by an org owner
      const other = await registerOwner(t, 'grantother');
      await t.http().post(`/api/v1/platform/users/${other.userId}/platform-admin`).set(other.auth).expect(403);

      await t.http().delete(`/api/v1/platform/users/${o.userId}/platform-admin`).set(admin.auth).expect(200);
      expect(reasonOf(await me(o.auth).expect(401))).toBe('session_revoked');
      const again = await login(o.email).expect(200);
      await t
        .http()
        .get('/api/v1/platform/orgs')
        .set({ Authorization: `Bearer ${again.body.token}` })
        .expect(403);
      const audit = await t.app
        .get(DataSource)
        .query(`SELECT action FROM audit_log WHERE target->>'id' = $1 AND category = 'platform_admin' ORDER BY seq`, [
          o.userId,
        ]);
      expect((audit as { action: string }[]).map((r) => r.action)).toEqual([
        'platform.users.grant_platform_admin',
        'platform.users.revoke_platform_admin',
      ]);
    });
  });

  describe('API keys carry platform power only with the platform scope', () => {
    it('a viewer key (or an unscoped admin key) of the seeded platform admin gets 403 on /platform', async () => {
      const viewer = await createApiKey(t, admin, { role: 'viewer' });
      const res = await t.http().get('/api/v1/platform/orgs').set(viewer.auth).expect(403);
      expect(res.body.error.code).toBe('forbidden');
      await t
        .http()
        .post('/api/v1/platform/orgs')
        .set(viewer.auth)
        .send({ name: `v-${randomUUID().slice(0, 8)}` })
        .expect(403);
      const unscoped = await createApiKey(t, admin, { role: 'owner' });
      await t.http().get('/api/v1/platform/orgs').set(unscoped.auth).expect(403);
      expect((await me(unscoped.auth).expect(200)).body.platform_admin).toBe(false);
    });

    it('a platform-scoped admin key works; platform scope on a viewer/member key is 400, by a non-admin 403', async () => {
      const scoped = await createApiKey(t, admin, { role: 'admin', scopes: ['platform'] });
      expect(scoped.scopes).toEqual(['platform']);
      await t.http().get('/api/v1/platform/orgs').set(scoped.auth).expect(200);
      expect((await me(scoped.auth).expect(200)).body.platform_admin).toBe(true);
      for (const role of ['viewer', 'member']) {
        const res = await t
          .http()
          .post('/api/v1/api-keys')
          .set(admin.auth)
          .send({ name: `bad-${randomUUID().slice(0, 8)}`, role, scopes: ['platform'] })
          .expect(400);
        expect(reasonOf(res)).toBe('platform_scope_needs_admin_role');
      }
      await t
        .http()
        .post('/api/v1/api-keys')
        .set(admin.auth)
        .send({ name: `bad-${randomUUID().slice(0, 8)}`, role: 'admin', scopes: ['root'] })
        .expect(400);
      const owner = await registerOwner(t, 'scope');
      const res = await t
        .http()
        .post('/api/v1/api-keys')
        .set(owner.auth)
        .send({ name: 'wannabe', role: 'owner', scopes: ['platform'] })
        .expect(403);
      expect(reasonOf(res)).toBe('not_platform_admin');
      // a key cannot mint a platform key unless it has platform power itself
      const plainKey = await createApiKey(t, admin, { role: 'admin' });
      await t
        .http()
        .post('/api/v1/api-keys')
        .set(plainKey.auth)
        .send({ name: `esc-${randomUUID().slice(0, 8)}`, role: 'admin', scopes: ['platform'] })
        .expect(403);
    });

    it('a platform-scoped key loses its power when its owner loses platform:admin or is demoted below admin', async () => {
      const o = await registerOwner(t, 'scopeloss');
      await t.http().post(`/api/v1/platform/users/${o.userId}/platform-admin`).set(admin.auth).expect(200);
      const fresh = await login(o.email).expect(200);
      const owner = { ...o, auth: { Authorization: `Bearer ${fresh.body.token}` } };
      const key = await createApiKey(t, owner, { role: 'owner', scopes: ['platform'] });
      await t.http().get('/api/v1/platform/orgs').set(key.auth).expect(200);
      await t.http().delete(`/api/v1/platform/users/${o.userId}/platform-admin`).set(admin.auth).expect(200);
      await t.http().get('/api/v1/platform/orgs').set(key.auth).expect(403);
      await t.http().get('/api/v1/users').set(key.auth).expect(200); // still an ordinary owner key
    });
  });

  describe('registration modes', () => {
    it('REGISTRATION=closed: no self-registration, no invite accept, no invites (403 registration_closed)', async () => {
      const o = await registerOwner(t, 'closedsrc');
      const inv = await t
        .http()
        .post('/api/v1/users/invites')
        .set(o.auth)
        .send({ email: `inv-${randomUUID().slice(0, 8)}@example.test`, role: 'member' })
        .expect(201);
      const closed = await startTestApp({ REGISTRATION: 'closed' });
      try {
        const res = await closed
          .http()
          .post('/api/v1/auth/register')
          .send({
            email: `c-${randomUUID().slice(0, 8)}@example.test`,
            password: 'password-123',
            org_name: `c-${randomUUID().slice(0, 8)}`,
          })
          .expect(403);
        expect(res.body.error).toMatchObject({ code: 'registration_closed', details: { registration: 'closed' } });
        await closed
          .http()
          .post('/api/v1/auth/register')
          .send({ email: inv.body.email, password: 'password-123', invite_token: inv.body.token })
          .expect(403);
        for (const path of ['/api/v1/auth/invites/accept', '/api/v1/platform/invites/accept']) {
          const acc = await closed
            .http()
            .post(path)
            .send({ token: inv.body.token, password: 'password-123' })
            .expect(403);
          expect(acc.body.error.code).toBe('registration_closed');
        }
        const created = await closed
          .http()
          .post('/api/v1/users/invites')
          .set(o.auth)
          .send({ email: `inv2-${randomUUID().slice(0, 8)}@example.test`, role: 'member' })
          .expect(403);
        expect(created.body.error.code).toBe('registration_closed');
        // existing accounts still log in
        await closed.http().post('/api/v1/auth/login').send({ email: o.email, password: 'password-123' }).expect(200);
      } finally {
        await closed.close();
      }
      // the invite was never used
      await t
        .http()
        .post('/api/v1/auth/register')
        .send({ email: inv.body.email, password: 'password-123', invite_token: inv.body.token })
        .expect(201);
    });

    it('REGISTRATION=invite: a new org needs an invite (403 invite_required); an invite works', async () => {
      const o = await registerOwner(t, 'invitesrc');
      const inv = await t
        .http()
        .post('/api/v1/users/invites')
        .set(o.auth)
        .send({ email: `inv-${randomUUID().slice(0, 8)}@example.test`, role: 'viewer' })
        .expect(201);
      const invite = await startTestApp({ REGISTRATION: 'invite' });
      try {
        const res = await invite
          .http()
          .post('/api/v1/auth/register')
          .send({
            email: `i-${randomUUID().slice(0, 8)}@example.test`,
            password: 'password-123',
            org_name: `i-${randomUUID().slice(0, 8)}`,
          })
          .expect(403);
        expect(res.body.error).toMatchObject({ code: 'invite_required', details: { registration: 'invite' } });
        const ok = await invite
          .http()
          .post('/api/v1/auth/register')
          .send({ email: inv.body.email, password: 'password-123', invite_token: inv.body.token })
          .expect(201);
        expect(ok.body.user.role).toBe('viewer');
      } finally {
        await invite.close();
      }
    });
  });

  describe('bootstrap of an empty install', () => {
    it('SEED_ADMIN with ADMIN_PASSWORD: the seeded admin has that password (not admin) and platform power', async () => {
      await withEmptyInstall({ ADMIN_PASSWORD: 'seeded-admin-password' }, async (app) => {
        await app.http().post('/api/v1/auth/login').send({ email: 'admin@localhost', password: 'admin' }).expect(401);
        const res = await app
          .http()
          .post('/api/v1/auth/login')
          .send({ email: 'admin@localhost', password: 'seeded-admin-password' })
          .expect(200);
        const auth = { Authorization: `Bearer ${res.body.token}` };
        expect((await app.http().get('/api/v1/auth/me').set(auth).expect(200)).body.platform_admin).toBe(true);
      });
    });

    it('without a seed: the first account (even in invite mode) is the bootstrap admin; the second needs an invite', async () => {
      await withEmptyInstall({ SEED_ADMIN: 'false', REGISTRATION: 'invite' }, async (app) => {
        const first = await app
          .http()
          .post('/api/v1/auth/register')
          .send({ email: 'first@example.test', password: 'password-123' })
          .expect(201);
        const auth = { Authorization: `Bearer ${first.body.token}` };
        const me1 = await app.http().get('/api/v1/auth/me').set(auth).expect(200);
        expect(me1.body).toMatchObject({ role: 'owner', platform_admin: true, org: { name: 'default' } });
        const second = await app
          .http()
          .post('/api/v1/auth/register')
          .send({ email: 'second@example.test', password: 'password-123', org_name: 'second' })
          .expect(403);
        expect(second.body.error.code).toBe('invite_required');
      });
    });
  });

  describe('validation before hashing, per-IP limits, bounded hashing', () => {
    it('a 100 KB password or a malformed body is a 400 without hashing (fast)', async () => {
      const huge = 'p'.repeat(100 * 1024);
      const o = await registerOwner(t, 'huge');
      const cases: [string, Record<string, unknown>][] = [
        ['/api/v1/auth/login', { email: o.email, password: huge }],
        [
          '/api/v1/auth/register',
          { email: `h-${randomUUID().slice(0, 8)}@example.test`, password: huge, org_name: `h-${randomUUID()}` },
        ],
        ['/api/v1/auth/reset-password', { token: 'pwr_x', password: huge }],
        ['/api/v1/auth/invites/accept', { token: 'inv_x', password: huge }],
        ['/api/v1/auth/login', { email: o.email, password: 12345 }],
        ['/api/v1/auth/login', { email: o.email, password: 'password-123', extra: true }],
      ];
      // observe (not replace) the one hasher every password goes through
      const hasher = t.app.get(PasswordHasher);
      const hash = jest.spyOn(hasher, 'hash');
      const verify = jest.spyOn(hasher, 'verify');
      try {
        for (const [path, body] of cases) {
          const started = Date.now();
          const res = await t.http().post(path).send(body).expect(400);
          expect(res.body.error.code).toBe('validation_failed');
          expect(Date.now() - started).toBeLessThan(1000);
        }
        const malformed = await t
          .http()
          .post('/api/v1/auth/login')
          .set('Content-Type', 'application/json')
          .send('{"email": "x", "password": ')
          .expect(400);
        expect(malformed.body.error).toBeDefined();
        // an unusable reset token or invite is refused before the new password is hashed
        const reset = await t
          .http()
          .post('/api/v1/auth/reset-password')
          .send({ token: 'pwr_unknown', password: 'password-123' })
          .expect(400);
        expect(reset.body.error.code).toBe('invalid_reset_token');
        const invite = await t
          .http()
          .post('/api/v1/auth/invites/accept')
          .send({ token: 'inv_unknown', password: 'password-123' })
          .expect(400);
        expect(invite.body.error.code).toBe('invalid_invite');
        const dup = await t
          .http()
          .post('/api/v1/auth/register')
          .send({ email: o.email, password: 'password-123', org_name: `dup-${randomUUID().slice(0, 8)}` })
          .expect(409);
        expect(dup.body.error.code).toBe('already_exists');
        expect(hash).not.toHaveBeenCalled();
        expect(verify).not.toHaveBeenCalled();
      } finally {
        hash.mockRestore();
        verify.mockRestore();
      }
    });

    it('anonymous auth routes share a per-IP limit (AUTH_ANON_RATE_LIMIT_PER_MIN), counted before validation', async () => {
      const limited = await startTestApp({ AUTH_ANON_RATE_LIMIT_PER_MIN: '4' });
      try {
        const from = ip();
        const post = (path: string, body: unknown) =>
          limited
            .http()
            .post(path)
            .set('X-Forwarded-For', from)
            .send(body as object);
        await post('/api/v1/auth/login', { email: 'nobody@example.test', password: 'whatever-1' }).expect(401);
        await post('/api/v1/auth/register', { email: 'bad' }).expect(400);
        await post('/api/v1/auth/reset-password', { token: 'pwr_x', password: 'password-123' }).expect(400);
        await post('/api/v1/platform/invites/accept', { token: 'inv_x', password: 'password-123' }).expect(400);
        for (const [path, body] of [
          ['/api/v1/auth/login', { email: 'nobody@example.test', password: 'whatever-1' }],
          ['/api/v1/auth/register', { email: 'bad' }],
          ['/api/v1/auth/invites/accept', { token: 'inv_x', password: 'password-123' }],
        ] as const) {
          const res = await post(path, body).expect(429);
          expect(res.body.error.code).toBe('rate_limited');
          expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }
        const oidc = await limited.http().get('/api/v1/auth/oidc/login').set('X-Forwarded-For', from).expect(429);
        expect(oidc.body.error.code).toBe('rate_limited');
        // another address is not affected; authenticated traffic is not counted here
        await limited
          .http()
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', ip())
          .send({ email: 'nobody@example.test', password: 'whatever-1' })
          .expect(401);
        await limited.http().get('/api/v1/auth/me').set('X-Forwarded-For', from).set(admin.auth).expect(200);
      } finally {
        await limited.close();
      }
    });

    it('password hashing runs with bounded concurrency: a flood gets 503 server_busy, other requests are served', async () => {
      const busy = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE_MAX: '1' });
      try {
        const flood = Array.from({ length: 8 }, () =>
          busy
            .http()
            .post('/api/v1/auth/login')
            .set('X-Forwarded-For', ip())
            .send({ email: `flood-${randomUUID()}@example.test`, password: 'password-123' }),
        );
        const health = busy.http().get('/api/v1/health/live');
        const [results, live] = await Promise.all([Promise.all(flood), health]);
        expect(live.status).toBe(200);
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(2);
        const refused = results.filter((r) => r.status === 503);
        expect(refused.length).toBeGreaterThanOrEqual(1);
        expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
        expect(refused[0].body.error.code).toBe('server_busy');
        expect(refused[0].headers['retry-after']).toBe('1');
      } finally {
        await busy.close();
      }
    });
  });
});
