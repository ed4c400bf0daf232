import { randomUUID } from 'node:crypto';
import type { TestApp } from '../setup/test-app';

export interface TestUser {
  token: string;
  userId: string;
  email: string;
  orgId: string;
  auth: { Authorization: string };
}

/** Registers a fresh org with its owner; every test gets its own tenant. */
export async function registerOwner(t: TestApp, prefix = 'org'): Promise<TestUser> {
  const suffix = randomUUID().slice(0, 8);
  const email = `${prefix}-${suffix}@example.test`;
  const res = await t
    .http()
    .post('/api/v1/auth/register')
    .send({ email, password: 'password-123', org_name: `${prefix}-${suffix}` })
    .expect(201);
  const me = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
  return {
    token: res.body.token,
    userId: res.body.user.id,
    email,
    orgId: me.body.org.id,
    auth: { Authorization: `Bearer ${res.body.token}` },
  };
}

export async function loginAdmin(t: TestApp): Promise<TestUser> {
  const res = await t
    .http()
    .post('/api/v1/auth/login')
    .send({ email: 'admin@localhost', password: 'admin' })
    .expect(200);
  const me = await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
  return {
    token: res.body.token,
    userId: res.body.user.id,
    email: 'admin@localhost',
    orgId: me.body.org.id,
    auth: { Authorization: `Bearer ${res.body.token}` },
  };
}

export type TestRole = 'owner' | 'admin' | 'member' | 'viewer';

/** Invites a new user into `inviter`'s org with `role` (POST /users/invites) and registers them with the invite token. */
export async function addMember(t: TestApp, inviter: TestUser, role: TestRole, prefix = 'member'): Promise<TestUser> {
  const email = `${prefix}-${randomUUID().slice(0, 8)}@example.test`;
  const inv = await t.http().post('/api/v1/users/invites').set(inviter.auth).send({ email, role }).expect(201);
  const res = await t
    .http()
    .post('/api/v1/auth/register')
    .send({ email, password: 'password-123', invite_token: inv.body.token })
    .expect(201);
  return {
    token: res.body.token,
    userId: res.body.user.id,
    email,
    orgId: inviter.orgId,
    auth: { Authorization: `Bearer ${res.body.token}` },
  };
}

/** Creates an API key as `creator`; returns the response body (with the one-time `key`). */
export async function createApiKey(
  t: TestApp,
  creator: TestUser,
  body: Record<string, unknown> = {},
): Promise<{ id: string; key: string; auth: { Authorization: string } } & Record<string, unknown>> {
  const res = await t
    .http()
    .post('/api/v1/api-keys')
    .set(creator.auth)
    .send({ name: `key-${randomUUID().slice(0, 8)}`, role: 'member', ...body })
    .expect(201);
  return { ...res.body, auth: { Authorization: `Bearer ${res.body.key}` } };
}
