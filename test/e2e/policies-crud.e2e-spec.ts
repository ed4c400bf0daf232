import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './chat-helpers';

const DENY_USER_LIST = `@id("no_user_list")
@message("{principal.role}s may not list users")
forbid (principal, action == Agentcy::Action::"user.list", resource)
when { principal.role == "member" };
`;

describe('policies: CRUD, compile checks, versions, dry run, feature flag', () => {
  let on: TestApp;
  let off: TestApp;
  let owner: TestUser;
  let member: TestUser;

  beforeAll(async () => {
    on = await startTestApp({ AGENTCY_FEATURES_POLICIES: 'true' });
    off = await startTestApp({ AGENTCY_FEATURES_POLICIES: 'false' });
    owner = await registerOwner(on, 'polcrud');
    member = await addMember(on, owner, 'member', 'polcrudm');
  });
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  it('lists the starter bundles, seeded once, builtin and enabled', async () => {
    const [a, b] = await Promise.all([
      on.http().get('/api/v1/policies').set(owner.auth).expect(200),
      on.http().get('/api/v1/policies').set(member.auth).expect(200),
    ]);
    const names = a.body.items.map((p: any) => p.name).sort();
    expect(names).toEqual(['agentcy', 'api', 'connectors', 'tools']);
    expect(b.body.total).toBe(4);
    expect(a.body.items[0]).toMatchObject({
      id: expect.stringMatching(/^pol_[0-9a-f]{32}$/),
      builtin: true,
      enabled: true,
      version: 1,
      source: expect.stringContaining('forbid'),
    });
  });

  it('a source that does not compile → 400 with line-level details.compile_errors', async () => {
    const res = await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'broken', source: '@id("x")\nforbid (principal, action, resource)\nwhen { context.hour < };\n' })
      .expect(400);
    expect(res.body.error.code).toBe('policy_compile_failed');
    expect(res.body.error.details.compile_errors).toEqual([
      expect.objectContaining({ line: 3, column: expect.any(Number), message: expect.any(String) }),
    ]);
    const permit = await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'permit', source: '\n\npermit (principal, action, resource);' })
      .expect(400);
    expect(permit.body.error.details.compile_errors[0]).toMatchObject({
      line: 3,
      message: expect.stringContaining('only forbid'),
    });
    // hostile: nesting that would overflow the engine is refused before it reaches it; the engine stays healthy
    const deep = await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({
        name: 'deep',
        source: `forbid (principal, action, resource) when { ${'('.repeat(500)}true${')'.repeat(500)} };`,
      })
      .expect(400);
    expect(deep.body.error.details.compile_errors[0].message).toContain('nesting');
    await on
      .http()
      .post('/api/v1/policies/evaluate')
      .set(owner.auth)
      .send({ input: { action: 'user.list' } })
      .expect(200);
    // unknown fields and bad names are validation errors
    await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'x', source: DENY_USER_LIST, rego: 'x' })
      .expect(400);
    await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'Bad Name', source: DENY_USER_LIST })
      .expect(400);
  });

  it('create, read, update (versioned), disable, delete; versions kept in order', async () => {
    const created = await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'crud-one', description: 'first', source: DENY_USER_LIST, enabled: false })
      .expect(201);
    expect(created.body).toMatchObject({ name: 'crud-one', enabled: false, builtin: false, version: 1 });
    const id = created.body.id as string;
    await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'crud-one', source: DENY_USER_LIST })
      .expect(409)
      .expect((r) => expect(r.body.error.code).toBe('policy_name_taken'));

    const got = await on.http().get(`/api/v1/policies/${id}`).set(member.auth).expect(200);
    expect(got.body.source).toBe(DENY_USER_LIST);

    const edited = await on
      .http()
      .patch(`/api/v1/policies/${id}`)
      .set(owner.auth)
      .send({ description: 'second', enabled: true })
      .expect(200);
    expect(edited.body).toMatchObject({ version: 2, enabled: true, description: 'second' });
    const bad = await on
      .http()
      .patch(`/api/v1/policies/${id}`)
      .set(owner.auth)
      .send({ source: 'forbid (principal, action resource);' })
      .expect(400);
    expect(bad.body.error.details.compile_errors[0].line).toBe(1);
    await on.http().patch(`/api/v1/policies/${id}`).set(owner.auth).send({ enabled: false }).expect(200);

    const versions = await on.http().get(`/api/v1/policies/${id}/versions`).set(owner.auth).expect(200);
    expect(versions.body.items.map((v: any) => [v.version, v.enabled, v.description])).toEqual([
      [3, false, 'second'],
      [2, true, 'second'],
      [1, false, 'first'],
    ]);
    expect(versions.body.items[0]).toMatchObject({ policy_id: id, created_by: owner.userId });

    await on.http().delete(`/api/v1/policies/${id}`).set(owner.auth).expect(204);
    await on.http().get(`/api/v1/policies/${id}`).set(owner.auth).expect(404);
  });

  it('starter policies can be disabled and edited but not deleted (409) nor renamed', async () => {
    const list = await on.http().get('/api/v1/policies').set(owner.auth).expect(200);
    const api = list.body.items.find((p: any) => p.name === 'api');
    const del = await on.http().delete(`/api/v1/policies/${api.id}`).set(owner.auth).expect(409);
    expect(del.body.error.code).toBe('policy_builtin');
    await on.http().patch(`/api/v1/policies/${api.id}`).set(owner.auth).send({ name: 'renamed' }).expect(409);
    const disabled = await on
      .http()
      .patch(`/api/v1/policies/${api.id}`)
      .set(owner.auth)
      .send({ enabled: false })
      .expect(200);
    expect(disabled.body).toMatchObject({ enabled: false, builtin: true, version: 2 });
  });

  it('members read and dry-run but cannot write; another org sees 404', async () => {
    await on
      .http()
      .post('/api/v1/policies')
      .set(member.auth)
      .send({ name: 'mine', source: DENY_USER_LIST })
      .expect(403);
    const created = await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({ name: 'private-one', source: DENY_USER_LIST, enabled: false })
      .expect(201);
    await on.http().patch(`/api/v1/policies/${created.body.id}`).set(member.auth).send({ enabled: true }).expect(403);
    await on.http().delete(`/api/v1/policies/${created.body.id}`).set(member.auth).expect(403);

    const other = await registerOwner(on, 'polother');
    await on.http().get(`/api/v1/policies/${created.body.id}`).set(other.auth).expect(404);
    await on.http().get(`/api/v1/policies/${created.body.id}/versions`).set(other.auth).expect(404);
    await on.http().patch(`/api/v1/policies/${created.body.id}`).set(other.auth).send({ enabled: true }).expect(404);
    await on.http().delete(`/api/v1/policies/${created.body.id}`).set(other.auth).expect(404);
    await on.http().get('/api/v1/policies/not-an-id').set(owner.auth).expect(404);
  });

  it('POST /policies/evaluate explains the decision: rule, message, approval', async () => {
    await on
      .http()
      .post('/api/v1/policies')
      .set(owner.auth)
      .send({
        name: 'no-destructive-for-members',
        source: `@id("destructive")
@message("{resource.tool} is destructive and {principal.role} may not run it")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when { resource has tool_effect && resource.tool_effect == "destructive" && !["admin", "owner"].contains(principal.role) };
`,
      })
      .expect(201);
    const input = (role: string, effect: string) => ({
      input: {
        subject: { role },
        action: 'chat.tool.execute',
        resource: { connector: 'kubernetes', tool: 'kubernetes.delete_pod', tool_effect: effect },
        context: { approval_granted: false },
      },
    });
    const deny = await on
      .http()
      .post('/api/v1/policies/evaluate')
      .set(member.auth)
      .send(input('member', 'destructive'))
      .expect(200);
    expect(deny.body).toMatchObject({
      decision: 'deny',
      messages: ['kubernetes.delete_pod is destructive and member may not run it', expect.any(String)],
      rules: [
        { rule: 'no-destructive-for-members.destructive', kind: 'deny', policy_name: 'no-destructive-for-members' },
        { rule: 'connectors.write_needs_approval', kind: 'approval' },
      ],
    });
    const approval = await on
      .http()
      .post('/api/v1/policies/evaluate')
      .set(member.auth)
      .send(input('member', 'write'))
      .expect(200);
    expect(approval.body).toMatchObject({
      decision: 'approval_required',
      rules: [{ rule: 'connectors.write_needs_approval', kind: 'approval' }],
    });
    const allow = await on
      .http()
      .post('/api/v1/policies/evaluate')
      .set(member.auth)
      .send(input('admin', 'destructive'))
      .expect(200);
    expect(allow.body).toEqual({ decision: 'allow', messages: [], rules: [], errors: [] });
    await on
      .http()
      .post('/api/v1/policies/evaluate')
      .set(member.auth)
      .send({ input: { subject: {} } })
      .expect(400);
  });

  it("business hours are read in the org's time zone (security.org_timezone)", async () => {
    const org = await registerOwner(on, 'poltz');
    await on.http().post('/api/v1/settings/security').set(org.auth).send({ org_timezone: 'Asia/Tokyo' }).expect(200);
    const del = (now: string) => ({
      input: {
        action: 'source.delete',
        resource: { path: '/sources/:id', method: 'DELETE', id: 'x' },
        context: { request_id: 'req_1' },
        env: { now },
      },
    });
    // Wednesday 02:00 UTC is 11:00 in Tokyo; 12:00 UTC is 21:00 there (the zone applies within 3 s)
    await eventually(async () => {
      const r = await on.http().post('/api/v1/policies/evaluate').set(org.auth).send(del('2026-04-29T02:00:00Z'));
      return r.body.decision === 'allow';
    }, 6_000);
    const evening = await on.http().post('/api/v1/policies/evaluate').set(org.auth).send(del('2026-04-29T12:00:00Z'));
    expect(evening.body).toMatchObject({ decision: 'deny', rules: [{ rule: 'api.source_delete_business_hours' }] });
  });

  it('GET /policies/actions lists the derived action of every user route', async () => {
    const res = await on.http().get('/api/v1/policies/actions?limit=200').set(member.auth).expect(200);
    const all = [...res.body.items];
    let cursor = res.body.next_cursor;
    while (cursor) {
      const next = await on
        .http()
        .get(`/api/v1/policies/actions?limit=200&cursor=${encodeURIComponent(cursor)}`)
        .set(member.auth)
        .expect(200);
      all.push(...next.body.items);
      cursor = next.body.next_cursor;
    }
    const find = (method: string, path: string) => all.find((a: any) => a.method === method && a.path === path)?.action;
    expect(find('POST', '/sources/:id/sync')).toBe('source.sync');
    expect(find('POST', '/chat/conversations/:id/tool-calls')).toBe('chat.tool.execute');
    expect(find('GET', '/users')).toBe('user.list');
    expect(find('GET', '/policies/:id')).toBe('policy.read');
    // public routes have no subject and are not policy-checked
    expect(find('POST', '/auth/login')).toBeUndefined();
  });

  it('features.policies off: /policies answers 404 feature_disabled and nothing is enforced; /health tells', async () => {
    const org = await registerOwner(on, 'poloff');
    const m = await addMember(on, org, 'member', 'poloffm');
    await on
      .http()
      .post('/api/v1/policies')
      .set(org.auth)
      .send({ name: 'deny-list', source: DENY_USER_LIST })
      .expect(201);
    const denied = await on.http().get('/api/v1/users').set(m.auth).expect(403);
    expect(denied.body.error.code).toBe('policy_denied');

    const res = await off.http().get('/api/v1/policies').set(org.auth).expect(404);
    expect(res.body.error.code).toBe('feature_disabled');
    await off
      .http()
      .post('/api/v1/policies/evaluate')
      .set(org.auth)
      .send({ input: { action: 'x' } })
      .expect(404);
    await off.http().get('/api/v1/users').set(m.auth).expect(200);
    expect((await off.http().get('/api/v1/health').expect(200)).body.features.policies).toBe(false);
    expect((await on.http().get('/api/v1/health').expect(200)).body.features.policies).toBe(true);
  });

  it("an org's override switches policies off for that org only (routes 404, no enforcement)", async () => {
    const a = await registerOwner(on, 'polova');
    const am = await addMember(on, a, 'member', 'polovam');
    const b = await registerOwner(on, 'polovb');
    const bm = await addMember(on, b, 'member', 'polovbm');
    for (const o of [a, b]) {
      await on
        .http()
        .post('/api/v1/policies')
        .set(o.auth)
        .send({ name: 'deny-list', source: DENY_USER_LIST })
        .expect(201);
    }
    await on.http().patch('/api/v1/settings/features').set(a.auth).send({ policies: false }).expect(200);
    const res = await on.http().get('/api/v1/policies').set(a.auth).expect(404);
    expect(res.body.error.code).toBe('feature_disabled');
    await on.http().get('/api/v1/users').set(am.auth).expect(200);
    await on.http().get('/api/v1/users').set(bm.auth).expect(403);
    await on.http().get('/api/v1/policies').set(b.auth).expect(200);
  });
});
