import { AccessRequestPort } from '@libs/connectors/access-request.port';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './chat-helpers';

describe('notifications: list, unread_count, read, read-all, delete, preferences, per-user isolation (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'ntfa');
    member = await addMember(t, owner, 'member', 'ntfm');
    other = await registerOwner(t, 'ntfb');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** an access request: its notification goes to the org's admins and owners */
  const openRequest = (user: TestUser, connector: string) =>
    t.app
      .get(AccessRequestPort)
      .open({ orgId: user.orgId, userId: user.userId, connector, reason: `need ${connector}`, conversationId: null });

  const list = async (user: TestUser, query = '') =>
    (await t.http().get(`/api/v1/notifications${query}`).set(user.auth).expect(200)).body;

  it('lists my notifications newest first with unread_count; read, read-all and delete', async () => {
    for (const c of ['github', 'jira', 'slack']) {
      await openRequest(owner, c);
    }
    const all = await eventually(async () => {
      const b = await list(owner);
      return b.items.length === 3 && b;
    });
    expect(all).toMatchObject({ total: 3, unread_count: 3, next_cursor: null });
    expect(all.items.map((n: any) => n.data.connector)).toEqual(['slack', 'jira', 'github']);
    expect(all.items[0]).toMatchObject({
      id: expect.stringMatching(/^ntf_[0-9a-f]{32}$/),
      type: 'access_request.created',
      title: 'Access requested to slack',
      body: 'need slack',
      link: expect.stringMatching(/^\/api\/v1\/sources\/access-requests\/acr_/),
      read_at: null,
      created_at: expect.any(String),
    });

    const page1 = await list(owner, '?limit=2');
    expect(page1.items).toHaveLength(2);
    const page2 = await list(owner, `?limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`);
    expect(page2.items.map((n: any) => n.id)).toEqual([all.items[2].id]);

    const read = await t.http().post(`/api/v1/notifications/${all.items[0].id}/read`).set(owner.auth).expect(200);
    expect(read.body.read_at).toEqual(expect.any(String));
    const unread = await list(owner, '?unread=true');
    expect(unread).toMatchObject({ total: 2, unread_count: 2 });
    expect(unread.items.map((n: any) => n.id)).not.toContain(all.items[0].id);
    expect((await list(owner, '?unread=false')).items.map((n: any) => n.id)).toEqual([all.items[0].id]);

    const ra = await t.http().post('/api/v1/notifications/read-all').set(owner.auth).expect(200);
    expect(ra.body).toEqual({ updated: 2 });
    expect(await list(owner, '?unread=true')).toMatchObject({ total: 0, unread_count: 0 });

    await t.http().delete(`/api/v1/notifications/${all.items[1].id}`).set(owner.auth).expect(204);
    await t.http().delete(`/api/v1/notifications/${all.items[1].id}`).set(owner.auth).expect(404);
    expect((await list(owner)).items.map((n: any) => n.id)).toEqual([all.items[0].id, all.items[2].id]);
  });

  it("another user's notification is a 404 (same org or another org), and never listed", async () => {
    await openRequest(owner, 'pagerduty');
    const mine = await eventually(async () =>
      (await list(owner)).items.find((n: any) => n.data.connector === 'pagerduty'),
    );
    // the member is not an admin: no access-request notification for them
    expect((await list(member)).items).toEqual([]);
    for (const u of [member, other]) {
      for (const [method, path] of [
        ['post', `/api/v1/notifications/${mine.id}/read`],
        ['delete', `/api/v1/notifications/${mine.id}`],
      ] as const) {
        const res = await t.http()[method](path).set(u.auth).expect(404);
        expect(res.body.error.code).toBeDefined();
      }
      await t.http().post('/api/v1/notifications/read-all').set(u.auth).expect(200);
    }
    const still = await list(owner, '?unread=true');
    expect(still.items.map((n: any) => n.id)).toContain(mine.id);
    await t.http().post('/api/v1/notifications/ntf_nope/read').set(owner.auth).expect(404);
  });

  it('preferences: default off, PUT replaces them, hostile input is a 400', async () => {
    const def = await t.http().get('/api/v1/notifications/preferences').set(member.auth).expect(200);
    expect(def.body).toEqual({ email: { enabled: false, kinds: [] }, email_available: false });
    const put = await t
      .http()
      .put('/api/v1/notifications/preferences')
      .set(member.auth)
      .send({ email: { enabled: true, kinds: ['task_run.failed', 'task_run.failed'] } })
      .expect(200);
    expect(put.body.email).toEqual({ enabled: true, kinds: ['task_run.failed'] });
    // per user: the owner still has the defaults
    const ownerPrefs = await t.http().get('/api/v1/notifications/preferences').set(owner.auth).expect(200);
    expect(ownerPrefs.body.email.enabled).toBe(false);
    for (const bad of [
      { email: { enabled: true, kinds: ['nope'] } },
      { email: { enabled: 'yes', kinds: [] } },
      { email: { enabled: true, kinds: [], smtp_url: 'smtp://evil' } },
      { smtp_url: 'smtp://evil' },
      {},
    ]) {
      const res = await t.http().put('/api/v1/notifications/preferences').set(member.auth).send(bad).expect(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    await t.http().get('/api/v1/notifications?unread=maybe').set(member.auth).expect(400);
    await t.http().get('/api/v1/notifications').expect(401);
  });
});
