import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { CoreProbesModule } from '../support/core-probes.module';

describe('pagination: limit, opaque keyset cursor, {items, next_cursor, total}', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;

  async function addUsers(orgId: string, n: number, prefix: string) {
    const ds = t.app.get(DataSource);
    for (let i = 0; i < n; i++) {
      await ds.query(`INSERT INTO users (organization_id, email, role) VALUES ($1, $2, 'member')`, [
        orgId,
        `${prefix}-${i}-${randomUUID().slice(0, 6)}@example.test`,
      ]);
    }
  }

  beforeAll(async () => {
    t = await startTestApp({}, { extraModules: [CoreProbesModule] });
    a = await registerOwner(t, 'page-a');
    b = await registerOwner(t, 'page-b');
    await addUsers(a.orgId, 11, 'm');
  });
  afterAll(() => t.close());

  it('walks all pages newest first with no duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await t
        .http()
        .get('/api/v1/probe/users')
        .query({ limit: 5, ...(cursor ? { cursor } : {}) })
        .set(a.auth)
        .expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'next_cursor', 'total']);
      expect(res.body.total).toBe(12);
      seen.push(...res.body.items.map((i: any) => i.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(12);
  });

  it('defaults to 50 and the last page has next_cursor null', async () => {
    const res = await t.http().get('/api/v1/probe/users').set(a.auth).expect(200);
    expect(res.body.items).toHaveLength(12);
    expect(res.body.next_cursor).toBeNull();
  });

  it('is stable while rows are inserted between pages', async () => {
    const first = await t.http().get('/api/v1/probe/users').query({ limit: 4 }).set(a.auth).expect(200);
    await addUsers(a.orgId, 3, 'late');
    const second = await t
      .http()
      .get('/api/v1/probe/users')
      .query({ limit: 4, cursor: first.body.next_cursor })
      .set(a.auth)
      .expect(200);
    const firstIds = new Set(first.body.items.map((i: any) => i.id));
    expect(second.body.items.some((i: any) => firstIds.has(i.id))).toBe(false);
    expect(second.body.items.some((i: any) => String(i.email).startsWith('late-'))).toBe(false);
  });

  it.each([['0'], ['201'], ['-1'], ['abc']])('limit=%s is a 400', async (limit) => {
    const res = await t.http().get('/api/v1/probe/users').query({ limit }).set(a.auth).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('accepts limit=200', async () => {
    await t.http().get('/api/v1/probe/users').query({ limit: 200 }).set(a.auth).expect(200);
  });

  it('a forged cursor is a 400', async () => {
    const page = await t.http().get('/api/v1/probe/users').query({ limit: 2 }).set(a.auth).expect(200);
    const [payload, mac] = String(page.body.next_cursor).split('.');
    const tampered = Buffer.from(JSON.stringify({ k: new Date(0).toISOString(), id: randomUUID() })).toString(
      'base64url',
    );
    for (const cursor of ['garbage', `${tampered}.${mac}`, `${payload}.AAAA`, `${payload}`]) {
      const res = await t.http().get('/api/v1/probe/users').query({ cursor }).set(a.auth).expect(400);
      expect(res.body.error.code).toBe('invalid_cursor');
    }
  });

  it('a cursor from another list (other org or other filters) is a 400', async () => {
    const page = await t.http().get('/api/v1/probe/users').query({ limit: 2 }).set(a.auth).expect(200);
    await t.http().get('/api/v1/probe/users').query({ cursor: page.body.next_cursor }).set(b.auth).expect(400);
    await t
      .http()
      .get('/api/v1/probe/users')
      .query({ cursor: page.body.next_cursor, email_prefix: 'm' })
      .set(a.auth)
      .expect(400);
  });
});
