import { randomUUID } from 'node:crypto';
import { addMember, createApiKey, loginAdmin, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { spawnApiProcess, SpawnedApi } from '../support/spawn-api';

/**
 * The verified-caller cache (PrincipalCache) on two API processes sharing PostgreSQL and Redis:
 * process A is this jest process, process B a separate child process. Both keep entries for a
 * minute (AUTH_CACHE_TTL_MS=60000), so only the invalidation announced through Redis can explain
 * a change taking effect on B. Each case warms B's cache first, changes something through A, then
 * sends the very next request to B.
 */
const TTL = '60000';
const LIMIT = 40;

describe('identity: caller cache and rate limits across two API processes', () => {
  let a: TestApp;
  let b: SpawnedApi;
  let owner: TestUser;

  const onB = (path: string, auth: Record<string, string>, init: RequestInit = {}) =>
    fetch(`${b.baseUrl}/api/v1${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...auth, ...(init.headers as Record<string, string>) },
    });
  const warmB = async (auth: Record<string, string>) => {
    for (let i = 0; i < 3; i++) {
      expect((await onB('/auth/me', auth)).status).toBe(200);
    }
  };
  const inviteOnB = (auth: Record<string, string>) =>
    onB('/users/invites', auth, {
      method: 'POST',
      body: JSON.stringify({ email: `inv-${randomUUID().slice(0, 8)}@example.test`, role: 'viewer' }),
    });

  beforeAll(async () => {
    const env = { AUTH_CACHE_TTL_MS: TTL, RATE_LIMIT_PER_MIN: String(LIMIT) };
    [a, b] = await Promise.all([startTestApp(env), spawnApiProcess({ ...env, LOG_LEVEL: 'info' })]);
    owner = await registerOwner(a, 'cache');
  }, 120_000);

  afterAll(async () => {
    await b?.kill();
    await a?.close();
  });

  it('a role change made on A applies to the next request on B', async () => {
    const member = await addMember(a, owner, 'member', 'promo');
    await warmB(member.auth);
    expect((await inviteOnB(member.auth)).status).toBe(403);
    await a.http().patch(`/api/v1/users/${member.userId}`).set(owner.auth).send({ role: 'admin' }).expect(200);
    expect((await inviteOnB(member.auth)).status).toBe(201);
  });

  it("a demotion made on A narrows the member's API key on B at once", async () => {
    const admin = await addMember(a, owner, 'admin', 'demote');
    const key = await createApiKey(a, admin, { role: 'admin' });
    await warmB(key.auth);
    expect((await inviteOnB(key.auth)).status).toBe(201);
    await a.http().patch(`/api/v1/users/${admin.userId}`).set(owner.auth).send({ role: 'member' }).expect(200);
    expect((await inviteOnB(key.auth)).status).toBe(403);
  });

  it('a user disabled on A is refused on B at the next request', async () => {
    const platform = await loginAdmin(a);
    const member = await addMember(a, owner, 'member', 'dis');
    await warmB(member.auth);
    await a.http().post(`/api/v1/platform/users/${member.userId}/disable`).set(platform.auth).expect(200);
    const res = await onB('/auth/me', member.auth);
    expect(res.status).toBe(401);
  });

  it('an API key revoked on A is refused on B at the next request', async () => {
    const key = await createApiKey(a, owner);
    await warmB(key.auth);
    await a.http().delete(`/api/v1/api-keys/${key.id}`).set(owner.auth).expect(204);
    const res = await onB('/auth/me', key.auth);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { details: { reason: string } } }).error.details.reason).toBe(
      'api_key_revoked',
    );
  });

  it('a session logged out on A is refused on B at the next request', async () => {
    const member = await addMember(a, owner, 'member', 'logout');
    await warmB(member.auth);
    await a.http().post('/api/v1/auth/logout').set(member.auth).expect(204);
    expect((await onB('/auth/me', member.auth)).status).toBe(401);
  });

  it('an org disabled on A stops its members on B at the next request', async () => {
    const platform = await loginAdmin(a);
    const other = await registerOwner(a, 'cache-org');
    await warmB(other.auth);
    await a
      .http()
      .patch(`/api/v1/platform/orgs/${other.orgId}`)
      .set(platform.auth)
      .send({ disabled: true })
      .expect(200);
    const res = await onB('/auth/me', other.auth);
    expect(res.status).toBe(403);
  });

  it('the rate limit is one budget across both processes', async () => {
    const member = await addMember(a, owner, 'member', 'rl');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      statuses.push(
        i % 2 === 0
          ? (await a.http().get('/api/v1/auth/me').set(member.auth)).status
          : (await onB('/auth/me', member.auth)).status,
      );
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await onB('/auth/me', member.auth)).status).toBe(429);
    expect((await a.http().get('/api/v1/auth/me').set(member.auth)).status).toBe(429);
  });

  it('every request on B is still logged with its request id', async () => {
    const id = `req-cache-${randomUUID()}`;
    expect((await onB('/auth/me', { ...owner.auth, 'X-Request-Id': id })).status).toBe(200);
    const deadline = Date.now() + 5000;
    let line: Record<string, unknown> | undefined;
    while (!line && Date.now() < deadline) {
      line = b
        .output()
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
      if (!line) {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(line).toMatchObject({ msg: 'request', request_id: id, method: 'GET', path: '/api/v1/auth/me', status: 200 });
  });
});
