import { Global, Module } from '@nestjs/common';
import { AgentUsagePort } from 'src/modules/agents/agents.contract';
import { AgentsService } from 'src/modules/agents/agents.service';
import { DataSource } from 'typeorm';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { addUserWithRole } from './settings-helpers';

/** Stands in for a module that references agents (tasks, channel bindings): `busy` is in use. */
class BusyAgentUsage extends AgentUsagePort {
  inUse(_orgId: string, agent: { name: string }): Promise<string | null> {
    return Promise.resolve(agent.name === 'busy' ? 'referenced by task nightly-report' : null);
  }
}

@Global()
@Module({ providers: [{ provide: AgentUsagePort, useClass: BusyAgentUsage }], exports: [AgentUsagePort] })
class BusyAgentUsageModule {}

describe('/agents', () => {
  let t: TestApp;
  let owner: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'agents');
  });
  afterAll(() => t.close());

  it('every org has a built-in default agent', async () => {
    const org = await registerOwner(t, 'agents');
    const list = await t.http().get('/api/v1/agents').set(org.auth).expect(200);
    expect(list.body).toEqual({
      items: [expect.objectContaining({ name: 'default', builtin: true, max_iterations: 20 })],
      next_cursor: null,
      total: 1,
    });
    const byName = await t.http().get('/api/v1/agents/default').set(org.auth).expect(200);
    expect(byName.body.id).toBe(list.body.items[0].id);
    const byId = await t.http().get(`/api/v1/agents/${byName.body.id}`).set(org.auth).expect(200);
    expect(byId.body).toEqual(byName.body);
    // another org cannot see it
    await t.http().get(`/api/v1/agents/${byName.body.id}`).set(owner.auth).expect(404);
  });

  it('the default agent is created lazily by resolve too, and only once under concurrency', async () => {
    const org = await registerOwner(t, 'agents');
    const svc = t.app.get(AgentsService, { strict: false });
    const resolved = await Promise.all([
      svc.resolve(org.orgId),
      svc.resolve(org.orgId, 'default'),
      svc.resolve(org.orgId, 'DEFAULT'),
    ]);
    expect(new Set(resolved.map((r) => r.id)).size).toBe(1);
    expect(resolved[0]).toMatchObject({
      name: 'default',
      builtin: true,
      maxIterations: 20,
      allowedConnectors: null,
      approvalOverrides: null,
      systemPrompt: null,
    });
    const [{ n }] = (await t.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM agents WHERE org_id = $1`, [org.orgId])) as { n: number }[];
    expect(n).toBe(1);
  });

  it('creates, reads, updates and deletes an agent', async () => {
    const org = await registerOwner(t, 'agents');
    const created = await t
      .http()
      .post('/api/v1/agents')
      .set(org.auth)
      .send({
        name: 'incident-responder',
        description: 'Triage prod incidents',
        system_prompt: 'You are the on-call assistant.',
        model: 'gpt-4.1',
        realm: 'infrastructure',
        skills: ['k8s-runbooks'],
        allowed_connectors: ['kubernetes', 'github'],
        approval_overrides: { write: 'deny' },
        max_iterations: 8,
      })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'incident-responder',
      description: 'Triage prod incidents',
      system_prompt: 'You are the on-call assistant.',
      model: 'gpt-4.1',
      realm: 'infrastructure',
      skills: ['k8s-runbooks'],
      allowed_connectors: ['kubernetes', 'github'],
      connectors_allowlist: ['kubernetes', 'github'],
      approval_overrides: { write: 'deny' },
      approval_defaults: { write: 'deny' },
      max_iterations: 8,
      builtin: false,
      created_by: org.userId,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const resolved = await t.app.get(AgentsService, { strict: false }).resolve(org.orgId, 'incident-responder');
    expect(resolved).toMatchObject({
      id: created.body.id,
      systemPrompt: 'You are the on-call assistant.',
      model: 'gpt-4.1',
      realm: 'infrastructure',
      allowedConnectors: ['kubernetes', 'github'],
      connectorsAllowlist: ['kubernetes', 'github'],
      approvalDefaults: { write: 'deny' },
      maxIterations: 8,
    });

    const patched = await t
      .http()
      .patch(`/api/v1/agents/${created.body.id}`)
      .set(org.auth)
      .send({
        description: 'Prod incidents',
        approval_overrides: { destructive: 'approve' },
        model: null,
        connectors_allowlist: ['kubernetes'],
      })
      .expect(200);
    expect(patched.body).toMatchObject({
      description: 'Prod incidents',
      approval_overrides: { write: 'deny', destructive: 'approve' },
      model: null,
      allowed_connectors: ['kubernetes'],
      max_iterations: 8,
    });
    const renamed = await t
      .http()
      .patch('/api/v1/agents/incident-responder')
      .set(org.auth)
      .send({ name: 'responder' })
      .expect(200);
    expect(renamed.body.name).toBe('responder');
    await t.http().get('/api/v1/agents/incident-responder').set(org.auth).expect(404);
    const cleared = await t
      .http()
      .patch('/api/v1/agents/responder')
      .set(org.auth)
      .send({ approval_overrides: null, allowed_connectors: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ approval_overrides: null, allowed_connectors: null });

    await t.http().delete('/api/v1/agents/responder').set(org.auth).expect(204);
    await t.http().get(`/api/v1/agents/${created.body.id}`).set(org.auth).expect(404);
    await expect(t.app.get(AgentsService, { strict: false }).resolve(org.orgId, 'responder')).rejects.toMatchObject({
      status: 404,
    });
  });

  it('uses AGENT_MAX_ITERATIONS as default and accepts the spec field names', async () => {
    const org = await registerOwner(t, 'agents');
    const res = await t
      .http()
      .post('/api/v1/agents')
      .set(org.auth)
      .send({ name: 'triager', connectors_allowlist: ['jira'], approval_defaults: { read: 'approve' } })
      .expect(201);
    expect(res.body).toMatchObject({
      max_iterations: 20,
      allowed_connectors: ['jira'],
      approval_overrides: { read: 'approve' },
      description: '',
      system_prompt: null,
      skills: [],
    });
  });

  it('names are unique per org (case-insensitive) → 409; another org may reuse them', async () => {
    const org = await registerOwner(t, 'agents');
    await t.http().post('/api/v1/agents').set(org.auth).send({ name: 'reviewer' }).expect(201);
    const dup = await t.http().post('/api/v1/agents').set(org.auth).send({ name: 'reviewer' }).expect(409);
    expect(dup.body.error.code).toBe('already_exists');
    await t.http().post('/api/v1/agents').set(org.auth).send({ name: 'default' }).expect(409);
    await t.http().post('/api/v1/agents').set(owner.auth).send({ name: 'reviewer' }).expect(201);
    await t.http().post('/api/v1/agents').set(org.auth).send({ name: 'other' }).expect(201);
    const clash = await t.http().patch('/api/v1/agents/other').set(org.auth).send({ name: 'reviewer' }).expect(409);
    expect(clash.body.error.code).toBe('already_exists');
  });

  it('the default agent cannot be deleted or renamed (409 builtin_agent) but can be edited', async () => {
    const org = await registerOwner(t, 'agents');
    const del = await t.http().delete('/api/v1/agents/default').set(org.auth).expect(409);
    expect(del.body.error.code).toBe('builtin_agent');
    const { body: def } = await t.http().get('/api/v1/agents/default').set(org.auth).expect(200);
    await t.http().delete(`/api/v1/agents/${def.id}`).set(org.auth).expect(409);
    const rename = await t.http().patch('/api/v1/agents/default').set(org.auth).send({ name: 'main' }).expect(409);
    expect(rename.body.error.code).toBe('builtin_agent');
    const edit = await t
      .http()
      .patch('/api/v1/agents/default')
      .set(org.auth)
      .send({ system_prompt: 'Be terse.', max_iterations: 5 })
      .expect(200);
    expect(edit.body).toMatchObject({ name: 'default', system_prompt: 'Be terse.', max_iterations: 5, builtin: true });
    expect((await t.app.get(AgentsService, { strict: false }).resolve(org.orgId)).maxIterations).toBe(5);
  });

  it('an AgentUsagePort that reports a reference turns DELETE into 409 in_use', async () => {
    const usage = await startTestApp({}, { extraModules: [BusyAgentUsageModule] });
    try {
      const org = await registerOwner(usage, 'agents');
      await usage.http().post('/api/v1/agents').set(org.auth).send({ name: 'busy' }).expect(201);
      await usage.http().post('/api/v1/agents').set(org.auth).send({ name: 'idle' }).expect(201);
      const res = await usage.http().delete('/api/v1/agents/busy').set(org.auth).expect(409);
      expect(res.body.error).toMatchObject({
        code: 'in_use',
        details: { reason: 'referenced by task nightly-report' },
      });
      await usage.http().delete('/api/v1/agents/idle').set(org.auth).expect(204);
    } finally {
      await usage.close();
    }
  });

  it.each([
    [{ name: 'Bad Name' }, 'name'],
    [{}, 'name'],
    [{ name: 'ok', max_iterations: 0 }, 'max_iterations'],
    [{ name: 'ok', max_iterations: 201 }, 'max_iterations'],
    [{ name: 'ok', approval_overrides: { write: 'sometimes' } }, 'approval_overrides.write'],
    [{ name: 'ok', allowed_connectors: 'kubernetes' }, 'allowed_connectors'],
    [{ name: 'ok', tools: [] }, 'tools'],
    [{ name: 'ok', realm: 'no-such-realm' }, 'realm'],
  ])('POST %j → 400 on %s', async (body, field) => {
    const res = await t.http().post('/api/v1/agents').set(owner.auth).send(body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  it('lists with pagination and a q filter', async () => {
    const org = await registerOwner(t, 'agents');
    for (const n of ['a1', 'a2', 'a3', 'b1']) {
      await t
        .http()
        .post('/api/v1/agents')
        .set(org.auth)
        .send({ name: n, description: n.startsWith('a') ? 'alpha team' : 'beta' })
        .expect(201);
    }
    const p1 = await t.http().get('/api/v1/agents?limit=2').set(org.auth).expect(200);
    expect(p1.body.total).toBe(5);
    expect(p1.body.items).toHaveLength(2);
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await t
      .http()
      .get(`/api/v1/agents?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`)
      .set(org.auth)
      .expect(200);
    const p3 = await t
      .http()
      .get(`/api/v1/agents?limit=2&cursor=${encodeURIComponent(p2.body.next_cursor)}`)
      .set(org.auth)
      .expect(200);
    expect(p3.body.next_cursor).toBeNull();
    const names = [...p1.body.items, ...p2.body.items, ...p3.body.items].map((a: { name: string }) => a.name);
    expect(names.sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'default']);
    const q = await t.http().get('/api/v1/agents?q=alpha').set(org.auth).expect(200);
    expect(q.body.total).toBe(3);
    await t.http().get('/api/v1/agents?limit=0').set(org.auth).expect(400);
  });

  it('members read, admins write; another org gets 404', async () => {
    const org = await registerOwner(t, 'agents');
    const member = await addUserWithRole(t, org, 'member');
    await t.http().post('/api/v1/agents').set(org.auth).send({ name: 'shared' }).expect(201);
    await t.http().get('/api/v1/agents/shared').set(member.auth).expect(200);
    await t.http().post('/api/v1/agents').set(member.auth).send({ name: 'mine' }).expect(403);
    await t.http().patch('/api/v1/agents/shared').set(member.auth).send({ description: 'x' }).expect(403);
    await t.http().delete('/api/v1/agents/shared').set(member.auth).expect(403);
    await t.http().get('/api/v1/agents/shared').set(owner.auth).expect(404);
    await t.http().patch('/api/v1/agents/shared').set(owner.auth).send({ description: 'x' }).expect(404);
    await t.http().delete('/api/v1/agents/shared').set(owner.auth).expect(404);
    await t.http().get('/api/v1/agents').expect(401);
  });
});
