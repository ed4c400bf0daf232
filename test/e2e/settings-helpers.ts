import { hashPassword } from '@libs/auth/passwords';
import type { Role } from '@libs/auth/principal';
import { randomUUID } from 'node:crypto';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import type { TestUser } from '../factories/users';
import type { TestApp } from '../setup/test-app';

/** Adds a user with `role` to `owner`'s org (directly in the DB) and logs them in. */
export async function addUserWithRole(t: TestApp, owner: TestUser, role: Role): Promise<TestUser> {
  const email = `${role}-${randomUUID().slice(0, 8)}@example.test`;
  const users = t.app.get(UsersRepository, { strict: false });
  const user = await users.create({
    orgId: owner.orgId,
    email,
    name: role,
    role,
    roles: [role],
    passwordHash: await hashPassword('password-123'),
    authProvider: 'local',
  });
  const res = await t.http().post('/api/v1/auth/login').send({ email, password: 'password-123' }).expect(200);
  return {
    token: res.body.token,
    userId: user.id,
    email,
    orgId: owner.orgId,
    auth: { Authorization: `Bearer ${res.body.token}` },
  };
}
