import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';

describe('memory: CRUD, duplicates, recall, realms, audit, tenancy', () => {
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let member2: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'mem');
    member = await addMember(t, owner, 'member', 'memm');
    member2 = await addMember(t, owner, 'member', 'memm2');
    viewer = await addMember(t, owner, 'viewer', 'memv');
  });
  afterAll(async () => {
    await t.close();
  });

  const remember = (u: TestUser, body: Record<string, unknown>) =>
    t.http().post('/api/v1/memory').set(u.auth).send(body);

  it('creates (201), answers a duplicate with the existing entry (200), edits, soft-deletes', async () => {
    const a = await remember(member, {
      kind: 'fact',
      text: 'We never deploy on Fridays.',
      realm: 'development',
      tags: ['deploy', 'deploy'],
    }).expect(201);
    expect(a.body).toMatchObject({
      id: expect.stringMatching(/^mem_[0-9a-f]{32}$/),
      kind: 'fact',
      text: 'We never deploy on Fridays.',
      realm: 'development',
      tags: ['deploy'],
      subject_node_ids: [],
      source: { type: 'api' },
      created_by: member.userId,
      deleted_at: null,
      graph_synced: true,
    });
    const dup = await remember(member2, {
      kind: 'fact',
      text: '  we NEVER deploy\non fridays. ',
      realm: 'development',
    }).expect(200);
    expect(dup.body.id).toBe(a.body.id);
    // another kind, realm or no realm is another entry
    const other = await remember(member, {
      kind: 'preference',
      text: 'We never deploy on Fridays.',
      realm: 'development',
    }).expect(201);
    expect(other.body.id).not.toBe(a.body.id);
    const realmless = await remember(member, { kind: 'fact', text: 'We never deploy on Fridays.' }).expect(201);
    expect(realmless.body.realm).toBeNull();
    const custom = await remember(member, { kind: 'codename', text: 'Falcon is the new billing service.' }).expect(201);
    expect(custom.body.kind).toBe('codename');

    const list = await t.http().get('/api/v1/memory').set(viewer.auth).expect(200);
    expect(list.body.items.map((m: any) => m.id)).toEqual([
      custom.body.id,
      realmless.body.id,
      other.body.id,
      a.body.id,
    ]);
    const byKind = await t.http().get('/api/v1/memory?kind=fact&realm=development').set(viewer.auth).expect(200);
    expect(byKind.body.items.map((m: any) => m.id)).toEqual([a.body.id]);
    expect((await t.http().get('/api/v1/memory?tag=deploy').set(viewer.auth).expect(200)).body.items).toHaveLength(1);
    expect((await t.http().get('/api/v1/memory?q=falcon').set(viewer.auth).expect(200)).body.items[0].id).toBe(
      custom.body.id,
    );

    // only the author or an admin edits and deletes
    await t.http().patch(`/api/v1/memory/${a.body.id}`).set(member2.auth).send({ text: 'x' }).expect(403);
    await t.http().patch(`/api/v1/memory/${a.body.id}`).set(viewer.auth).send({ text: 'x' }).expect(403);
    const edited = await t
      .http()
      .patch(`/api/v1/memory/${a.body.id}`)
      .set(member.auth)
      .send({ text: 'We never deploy on Fridays or holidays.', tags: ['deploy', 'freeze'] })
      .expect(200);
    expect(edited.body).toMatchObject({
      text: 'We never deploy on Fridays or holidays.',
      tags: ['deploy', 'freeze'],
      graph_synced: true,
    });
    // editing into an existing entry's text is a conflict
    const clash = await t
      .http()
      .patch(`/api/v1/memory/${other.body.id}`)
      .set(member.auth)
      .send({ kind: 'fact', text: 'we never deploy on fridays or holidays.' })
      .expect(409);
    expect(clash.body.error.code).toBe('memory_duplicate');
    await t
      .http()
      .patch(`/api/v1/memory/${custom.body.id}`)
      .set(owner.auth)
      .send({ realm: 'infrastructure' })
      .expect(200);

    await t.http().delete(`/api/v1/memory/${a.body.id}`).set(member2.auth).expect(403);
    await t.http().delete(`/api/v1/memory/${a.body.id}`).set(member.auth).expect(204);
    await t.http().delete(`/api/v1/memory/${a.body.id}`).set(member.auth).expect(404);
    await t.http().patch(`/api/v1/memory/${a.body.id}`).set(member.auth).send({ text: 'y' }).expect(404);
    const gone = await t.http().get(`/api/v1/memory/${a.body.id}`).set(viewer.auth).expect(200);
    expect(gone.body.deleted_at).toEqual(expect.any(String));
    expect(
      (await t.http().get('/api/v1/memory').set(viewer.auth).expect(200)).body.items.map((m: any) => m.id),
    ).not.toContain(a.body.id);
    const withDeleted = await t.http().get('/api/v1/memory?include_deleted=true').set(viewer.auth).expect(200);
    expect(withDeleted.body.items.map((m: any) => m.id)).toContain(a.body.id);
    // after the delete, the same text can be remembered again (a new entry)
    const again = await remember(member, {
      kind: 'fact',
      text: 'We never deploy on Fridays or holidays.',
      realm: 'development',
    }).expect(201);
    expect(again.body.id).not.toBe(a.body.id);

    for (const action of ['memory.create', 'memory.update', 'memory.delete']) {
      const audit = await t
        .http()
        .get(`/api/v1/activity/audit?action=${action}&category=memory`)
        .set(owner.auth)
        .expect(200);
      expect(audit.body.items.some((e: any) => e.target?.id === a.body.id && e.result === 'success')).toBe(true);
    }
  });

  it('validates input and roles', async () => {
    await remember(viewer, { kind: 'fact', text: 'x' }).expect(403);
    await remember(member, { kind: 'Not A Slug', text: 'x' }).expect(400);
    await remember(member, { kind: 'fact', text: '' }).expect(400);
    await remember(member, { kind: 'fact', text: 'x'.repeat(4001) }).expect(400);
    await remember(member, { kind: 'fact', text: 'x', realm: 'no-such-realm' }).expect(400);
    await remember(member, { kind: 'fact', text: 'x', evil: 1 }).expect(400);
    await t.http().get('/api/v1/memory/mem_nope').set(member.auth).expect(404);
    await t.http().post('/api/v1/memory/recall').set(member.auth).send({ query: '' }).expect(400);
    await t.http().post('/api/v1/memory/sync').set(member.auth).send({}).expect(403);
  });

  it('recalls by relevance within the realm plus realm-less entries, and filters kinds', async () => {
    const org = await registerOwner(t, 'memrecall');
    const put = async (kind: string, text: string, realm?: string) =>
      (await remember(org, { kind, text, ...(realm ? { realm } : {}) }).expect(201)).body.id as string;
    const deploy = await put('fact', 'Production deployments are forbidden on Fridays.', 'development');
    const oncall = await put('contact', 'The on-call engineer for payments is reachable at @pay-oncall on Slack.');
    const redis = await put(
      'incident',
      'Last time checkout timed out, restarting the Redis cache fixed it.',
      'infrastructure',
    );
    const english = await put('preference', 'Answer in UK English.');

    const r = await t
      .http()
      .post('/api/v1/memory/recall')
      .set(org.auth)
      .send({ query: 'can we deploy to production on friday?' })
      .expect(200);
    expect(r.body.items[0].memory.id).toBe(deploy);
    expect(r.body.items[0].score).toBeGreaterThan(r.body.items[1].score);
    expect(r.body.items).toHaveLength(4);

    const pay = await t
      .http()
      .post('/api/v1/memory/recall')
      .set(org.auth)
      .send({ query: 'who is on call for payments', top_k: 2 })
      .expect(200);
    expect(pay.body.items.map((i: any) => i.memory.id)[0]).toBe(oncall);
    expect(pay.body.items).toHaveLength(2);

    const infra = await t
      .http()
      .post('/api/v1/memory/recall')
      .set(org.auth)
      .send({ query: 'checkout timeouts', realm: 'infrastructure' })
      .expect(200);
    const ids = infra.body.items.map((i: any) => i.memory.id);
    expect(ids[0]).toBe(redis);
    expect(ids).not.toContain(deploy); // another realm
    expect(ids).toEqual(expect.arrayContaining([oncall, english])); // realm-less ones
    const kinds = await t
      .http()
      .post('/api/v1/memory/recall')
      .set(org.auth)
      .send({ query: 'anything', kinds: ['preference'] })
      .expect(200);
    expect(kinds.body.items.map((i: any) => i.memory.id)).toEqual([english]);
  });

  it('keeps orgs apart', async () => {
    const a = await registerOwner(t, 'memiso');
    const b = await registerOwner(t, 'memiso');
    const m = (await remember(a, { kind: 'fact', text: 'Org A secret: the vault is in Zurich.' }).expect(201)).body;
    await t.http().get(`/api/v1/memory/${m.id}`).set(b.auth).expect(404);
    await t.http().patch(`/api/v1/memory/${m.id}`).set(b.auth).send({ text: 'x' }).expect(404);
    await t.http().delete(`/api/v1/memory/${m.id}`).set(b.auth).expect(404);
    expect((await t.http().get('/api/v1/memory').set(b.auth).expect(200)).body.items).toEqual([]);
    const r = await t
      .http()
      .post('/api/v1/memory/recall')
      .set(b.auth)
      .send({ query: 'where is the vault' })
      .expect(200);
    expect(r.body.items).toEqual([]);
    // the same text in org B is a new entry, not a duplicate of A's
    const mine = await remember(b, { kind: 'fact', text: 'Org A secret: the vault is in Zurich.' }).expect(201);
    expect(mine.body.id).not.toBe(m.id);
  });
});
