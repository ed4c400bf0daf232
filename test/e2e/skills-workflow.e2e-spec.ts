import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';

const md = (slug: string, name: string, body: string, version = '1.0.0') =>
  `---\nname: ${name}\nslug: ${slug}\ndescription: About ${name}\nversion: ${version}\nauthor: acme/platform\ntags: [Ops, database]\n---\n${body}\n`;

describe('skills: approval workflow, roles, registry, audit, tenancy', () => {
  let t: TestApp;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let member2: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'skills');
    admin = await addMember(t, owner, 'admin', 'skadmin');
    member = await addMember(t, owner, 'member', 'skmember');
    member2 = await addMember(t, owner, 'member', 'skmember2');
    viewer = await addMember(t, owner, 'viewer', 'skviewer');
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (u: TestUser, path: string, body: unknown = {}) =>
    t
      .http()
      .post(`/api/v1${path}`)
      .set(u.auth)
      .send(body as object);

  it('draft → pending_approval → approved → archived, with the roles of each step', async () => {
    await post(viewer, '/skills', { markdown: md('ops.viewer', 'Viewer', 'x') }).expect(403);

    const created = await post(member, '/skills', {
      markdown: md('ops.deploy-freeze', 'Deploy Freeze', '# Freeze\nNo deploys on Fridays.'),
    }).expect(201);
    const s = created.body;
    expect(s).toMatchObject({
      id: expect.stringMatching(/^skl_[0-9a-f]{32}$/),
      slug: 'ops.deploy-freeze',
      name: 'Deploy Freeze',
      description: 'About Deploy Freeze',
      version: '1.0.0',
      author: 'acme/platform',
      tags: ['ops', 'database'],
      body: '# Freeze\nNo deploys on Fridays.',
      char_count: '# Freeze\nNo deploys on Fridays.'.length,
      origin: 'custom',
      status: 'draft',
      created_by: member.userId,
      submitted_by: null,
    });

    // only the author or an admin submits; only admins approve
    await post(member2, `/skills/${s.id}/submit`).expect(403);
    await post(member, `/skills/${s.id}/approve`).expect(403);
    await post(admin, `/skills/${s.id}/approve`).expect(409); // still a draft
    const submitted = await post(member, `/skills/${s.id}/submit`).expect(200);
    expect(submitted.body).toMatchObject({ status: 'pending_approval', submitted_by: member.userId });
    await post(member, `/skills/${s.id}/submit`).expect(409);
    await t.http().patch(`/api/v1/skills/${s.id}`).set(member.auth).send({ body: 'changed' }).expect(409);
    await post(member, `/skills/${s.id}/approve`).expect(403);

    const approved = await post(admin, `/skills/${s.id}/approve`, { note: 'ok' }).expect(200);
    expect(approved.body).toMatchObject({ status: 'approved', reviewed_by: admin.userId, review_note: 'ok' });
    await t.http().delete(`/api/v1/skills/${s.id}`).set(admin.auth).expect(409);
    await post(member, `/skills/${s.id}/archive`).expect(403);

    // editing an approved skill gives the next version as a draft; the approved one stays
    const v2 = await t
      .http()
      .patch(`/api/v1/skills/${s.id}`)
      .set(member.auth)
      .send({ body: '# Freeze v2' })
      .expect(200);
    expect(v2.body).toMatchObject({
      slug: 'ops.deploy-freeze',
      version: '1.0.1',
      status: 'draft',
      body: '# Freeze v2',
    });
    expect(v2.body.id).not.toBe(s.id);
    await t.http().patch(`/api/v1/skills/${s.id}`).set(member.auth).send({ body: 'again' }).expect(409);
    expect((await t.http().get(`/api/v1/skills/${s.id}`).set(viewer.auth).expect(200)).body.status).toBe('approved');
    await post(member, `/skills/${v2.body.id}/submit`).expect(200);
    await post(owner, `/skills/${v2.body.id}/approve`).expect(200);
    expect((await t.http().get(`/api/v1/skills/${s.id}`).set(viewer.auth).expect(200)).body.status).toBe('archived');
    const approvedList = await t
      .http()
      .get('/api/v1/skills?status=approved&slug=ops.deploy-freeze')
      .set(viewer.auth)
      .expect(200);
    expect(approvedList.body.items.map((x: any) => x.id)).toEqual([v2.body.id]);

    const archived = await post(admin, `/skills/${v2.body.id}/archive`).expect(200);
    expect(archived.body.status).toBe('archived');
    await post(admin, `/skills/${v2.body.id}/archive`).expect(409);
  });

  it('reject with a note, edit back to draft, delete drafts; the author edits, others cannot', async () => {
    const s = (await post(member, '/skills', { slug: 'ops.runbook', name: 'Runbook', body: 'steps' }).expect(201)).body;
    expect(s).toMatchObject({ version: '1.0.0', status: 'draft' });
    await t.http().patch(`/api/v1/skills/${s.id}`).set(member2.auth).send({ body: 'mine' }).expect(403);
    await post(member, `/skills/${s.id}/submit`).expect(200);
    await post(admin, `/skills/${s.id}/reject`).expect(400); // note required
    const rejected = await post(admin, `/skills/${s.id}/reject`, { note: 'too vague' }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', review_note: 'too vague', reviewed_by: admin.userId });
    const edited = await t
      .http()
      .patch(`/api/v1/skills/${s.id}`)
      .set(member.auth)
      .send({ body: 'precise steps' })
      .expect(200);
    expect(edited.body).toMatchObject({ id: s.id, status: 'draft', body: 'precise steps' });
    await t.http().patch(`/api/v1/skills/${s.id}`).set(member.auth).send({ slug: 'other.slug' }).expect(400);
    await t.http().delete(`/api/v1/skills/${s.id}`).set(member2.auth).expect(403);
    await t.http().delete(`/api/v1/skills/${s.id}`).set(member.auth).expect(204);
    await t.http().get(`/api/v1/skills/${s.id}`).set(member.auth).expect(404);
  });

  it('an admin cannot approve their own submission while the org has another admin (409 self_approval_forbidden)', async () => {
    const s = (await post(owner, '/skills', { slug: 'ops.self', name: 'Self', body: 'b' }).expect(201)).body;
    await post(owner, `/skills/${s.id}/submit`).expect(200);
    const self = await post(owner, `/skills/${s.id}/approve`).expect(409);
    expect(self.body.error.code).toBe('self_approval_forbidden');
    await post(admin, `/skills/${s.id}/approve`).expect(200);

    // a sole admin may approve their own
    const solo = await registerOwner(t, 'skillsolo');
    const s2 = (await post(solo, '/skills', { slug: 'ops.solo', name: 'Solo', body: 'b' }).expect(201)).body;
    await post(solo, `/skills/${s2.id}/submit`).expect(200);
    await post(solo, `/skills/${s2.id}/approve`).expect(200);
  });

  it('validates input: slug, semver, body size, unknown fields, duplicate version', async () => {
    expect(
      (await post(member, '/skills', { slug: 'Bad Slug', name: 'x', body: 'b' }).expect(400)).body.error.code,
    ).toBe('validation_failed');
    await post(member, '/skills', { slug: 'ok.slug', name: 'x', body: 'b', version: '1.0' }).expect(400);
    await post(member, '/skills', { slug: 'ok.slug', name: 'x', body: 'b'.repeat(50_001) }).expect(400);
    await post(member, '/skills', { slug: 'ok.slug', name: 'x', body: 'b', evil: true }).expect(400);
    await post(member, '/skills', { markdown: '---\nname: [unclosed\n---\nbody' }).expect(400);
    await post(member, '/skills', { slug: 'ok.slug', name: 'x', body: 'b', version: '2.0.0' }).expect(201);
    const dup = await post(member, '/skills', { slug: 'ok.slug', name: 'y', body: 'c', version: '2.0.0' }).expect(409);
    expect(dup.body.error.code).toBe('skill_version_exists');
    await t.http().get('/api/v1/skills/not-an-id').set(member.auth).expect(404);
  });

  it('installs registry skills as pending_approval (origin registry); twice is 409; unknown is 404', async () => {
    const list = await t.http().get('/api/v1/skills/registry').set(viewer.auth).expect(200);
    expect(list.body.items.map((x: any) => x.slug)).toContain('postgres.health-triage');
    const q = await t.http().get('/api/v1/skills/registry?q=kubernetes').set(viewer.auth).expect(200);
    expect(q.body.items[0].slug).toBe('kubernetes.crashloop-debugging');
    await post(viewer, '/skills/registry/install', { slug: 'postgres.health-triage' }).expect(403);
    const inst = await post(member, '/skills/registry/install', {
      slug: 'postgres.health-triage',
      version: '1.2.0',
    }).expect(201);
    expect(inst.body).toMatchObject({
      slug: 'postgres.health-triage',
      version: '1.2.0',
      origin: 'registry',
      status: 'pending_approval',
      submitted_by: member.userId,
      author: 'agentcy/community',
    });
    expect(inst.body.body).toContain('# PostgreSQL Health Triage');
    await post(member, '/skills/registry/install', { slug: 'postgres.health-triage' }).expect(409);
    await post(member, '/skills/registry/install', { slug: 'nope.nothing' }).expect(404);
    await post(member, '/skills/registry/install', { slug: 'postgres.health-triage', version: '9.9.9' }).expect(404);
    const after = await t.http().get('/api/v1/skills/registry').set(viewer.auth).expect(200);
    expect(after.body.items.find((x: any) => x.slug === 'postgres.health-triage').installed).toBe(true);
    const fromRegistry = await t.http().get('/api/v1/skills?origin=registry').set(viewer.auth).expect(200);
    expect(fromRegistry.body.items.map((x: any) => x.id)).toEqual([inst.body.id]);
  });

  it('audits every transition (success and refusal)', async () => {
    const s = (await post(member, '/skills', { slug: 'ops.audited', name: 'Audited', body: 'b' }).expect(201)).body;
    await post(admin, `/skills/${s.id}/approve`).expect(409); // a draft: refused by the workflow
    await post(member, `/skills/${s.id}/submit`).expect(200);
    await post(member, `/skills/${s.id}/approve`).expect(403); // refused by the role check
    await post(admin, `/skills/${s.id}/reject`, { note: 'no' }).expect(200);
    await t.http().patch(`/api/v1/skills/${s.id}`).set(member.auth).send({ body: 'b2' }).expect(200);
    await post(member, `/skills/${s.id}/submit`).expect(200);
    await post(admin, `/skills/${s.id}/approve`).expect(200);
    await post(admin, `/skills/${s.id}/archive`).expect(200);
    const expected: Record<string, string[]> = {
      'skills.create': ['success'],
      'skills.submit': ['success', 'success'],
      'skills.reject': ['success'],
      'skills.update': ['success'],
      'skills.approve': ['success', 'failure'],
      'skills.archive': ['success'],
    };
    for (const [action, results] of Object.entries(expected)) {
      const audit = await t.http().get(`/api/v1/activity/audit?action=${action}`).set(owner.auth).expect(200);
      const mine = audit.body.items.filter((e: any) => e.target?.id === s.id);
      expect({ action, results: mine.map((e: any) => e.result) }).toEqual({ action, results });
      expect(mine[0]).toMatchObject({ target: { type: 'skill', id: s.id } });
    }
    const denied = await t.http().get('/api/v1/activity/audit?action=policy.deny').set(owner.auth).expect(200);
    expect(denied.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          result: 'denied',
          user_id: member.userId,
          target: { type: 'route', id: 'POST /api/v1/skills/:id/approve' },
        }),
      ]),
    );
  });

  it('keeps orgs apart: another org sees 404 for every route of a skill and an empty list', async () => {
    const s = (await post(member, '/skills', { slug: 'ops.private', name: 'Private', body: 'secret' }).expect(201))
      .body;
    const other = await registerOwner(t, 'skillsother');
    await t.http().get(`/api/v1/skills/${s.id}`).set(other.auth).expect(404);
    await t.http().patch(`/api/v1/skills/${s.id}`).set(other.auth).send({ body: 'x' }).expect(404);
    await t.http().delete(`/api/v1/skills/${s.id}`).set(other.auth).expect(404);
    for (const step of ['submit', 'approve', 'archive']) {
      await post(other, `/skills/${s.id}/${step}`).expect(404);
    }
    await post(other, `/skills/${s.id}/reject`, { note: 'x' }).expect(404);
    const list = await t.http().get('/api/v1/skills').set(other.auth).expect(200);
    expect(list.body.items).toEqual([]);
  });
});
