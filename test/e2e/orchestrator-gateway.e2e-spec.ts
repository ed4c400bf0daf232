import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenFang, type FakeSidecar } from '../support/fake-openfang';

const API_KEY = 'openfang-service-key-e2e';

/** /orchestrator → a stand-in OpenFang that does not filter by org itself (test/support/fake-openfang.ts). */
describe('orchestrator gateway (OpenFang)', () => {
  let t: TestApp;
  let of: FakeSidecar;
  let owner: TestUser;
  let other: TestUser;
  let viewer: TestUser;
  let member: TestUser;

  beforeAll(async () => {
    of = await startFakeOpenFang();
    t = await startTestApp({ AGENTCY_FEATURES_ORCHESTRATOR: 'true', OPENFANG_URL: of.url, OPENFANG_API_KEY: API_KEY });
    owner = await registerOwner(t, 'orch');
    other = await registerOwner(t, 'orch-other');
    viewer = await addMember(t, owner, 'viewer');
    member = await addMember(t, owner, 'member');
  });
  afterAll(async () => {
    await t?.close();
    await of?.close();
  });

  const http = () => t.http();
  const lastCall = () => of.requests[of.requests.length - 1];

  it('status: enabled, reachable and the OpenFang version', async () => {
    const res = await http().get('/api/v1/orchestrator/status').set(viewer.auth).expect(200);
    expect(res.body).toEqual({ enabled: true, configured: true, reachable: true, version: '0.9.0-fake' });
  });

  it('forwards to /api/* with org headers and the service key; the caller’s credentials never leave', async () => {
    await http()
      .get('/api/v1/orchestrator/agents?limit=5')
      .set(owner.auth)
      .set('Cookie', 'session=caller-cookie')
      .set('X-Agentcy-Org', other.orgId)
      .set('X-Agentcy-Role', 'owner')
      .expect(200);
    const call = lastCall();
    expect(call.path).toBe('/api/agents?limit=5');
    expect(call.headers['x-agentcy-org']).toBe(owner.orgId);
    expect(call.headers['x-agentcy-user']).toBe(owner.userId);
    expect(call.headers['x-agentcy-role']).toBe('owner');
    expect(call.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(call.headers.cookie).toBeUndefined();
    expect(of.sawSecret(owner.token)).toBe(false);
    expect(of.sawSecret('caller-cookie')).toBe(false);
    // a viewer's own X-Agentcy-Role is replaced by the real one
    await http().get('/api/v1/orchestrator/agents').set(viewer.auth).set('X-Agentcy-Role', 'owner').expect(200);
    expect(lastCall().headers['x-agentcy-role']).toBe('viewer');
  });

  it('creates workflows in the caller’s org whatever org_id the body names; admin+ only; audited', async () => {
    const agent = await http()
      .post('/api/v1/orchestrator/agents')
      .set(owner.auth)
      .send({ name: 'researcher', model: 'fast' })
      .expect(201);
    expect(agent.body).toMatchObject({ name: 'researcher', org_id: owner.orgId });
    const wf = await http()
      .post('/api/v1/orchestrator/workflows')
      .set(owner.auth)
      .send({
        name: 'digest',
        org_id: other.orgId,
        tenant: other.orgId,
        steps: [{ id: 's1', mode: 'sequential', agent_id: agent.body.id }],
      })
      .expect(201);
    expect(wf.body.org_id).toBe(owner.orgId);
    expect(of.get('workflows', wf.body.id)).toMatchObject({ org_id: owner.orgId });
    expect(of.get('workflows', wf.body.id)!.tenant).toBeUndefined();
    await http().post('/api/v1/orchestrator/workflows').set(member.auth).send({ name: 'x' }).expect(403);
    await http().patch(`/api/v1/orchestrator/workflows/${wf.body.id}`).set(viewer.auth).send({ name: 'y' }).expect(403);

    const upd = await http()
      .patch(`/api/v1/orchestrator/workflows/${wf.body.id}`)
      .set(owner.auth)
      .send({ name: 'digest v2' })
      .expect(200);
    expect(upd.body.name).toBe('digest v2');

    const audit = await http().get('/api/v1/activity/audit?limit=200').set(owner.auth).expect(200);
    const actions = (audit.body.items as { action: string; target?: { id?: string } }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['orchestrator.workflow.create', 'orchestrator.workflow.update']));
    const created = (audit.body.items as { action: string; target?: { id?: string } }[]).find(
      (e) => e.action === 'orchestrator.workflow.create',
    );
    expect(created?.target?.id).toBe(wf.body.id);
  });

  it('runs a workflow (member+), streams its log as SSE, cancels; the run is audited', async () => {
    const wf = await http()
      .post('/api/v1/orchestrator/workflows')
      .set(owner.auth)
      .send({ name: 'runnable', steps: [] })
      .expect(201);
    await http().post(`/api/v1/orchestrator/workflows/${wf.body.id}/run`).set(viewer.auth).send({}).expect(403);
    const run = await http()
      .post(`/api/v1/orchestrator/workflows/${wf.body.id}/run`)
      .set(member.auth)
      .send({ input: { topic: 'x' } })
      .expect(201);
    expect(run.body).toMatchObject({ workflow_id: wf.body.id, org_id: owner.orgId, status: 'running' });

    const res = await fetch(`${t.baseUrl}/api/v1/orchestrator/runs/${run.body.id}/logs`, { headers: viewer.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = Buffer.from((await reader.read()).value!).toString();
    expect(first).toContain('step 1 started'); // arrived while the run is still going
    of.finishLogs(run.body.id);
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += Buffer.from(r.value).toString();
    }
    expect(rest).toContain('event: done');

    const cancelled = await http().post(`/api/v1/orchestrator/runs/${run.body.id}/cancel`).set(member.auth).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    const got = await http().get(`/api/v1/orchestrator/runs/${run.body.id}`).set(viewer.auth).expect(200);
    expect(got.body.id).toBe(run.body.id);

    const audit = await http().get('/api/v1/activity/audit?limit=200').set(owner.auth).expect(200);
    const actions = (audit.body.items as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['orchestrator.workflow.run', 'orchestrator.run.cancel']));
  });

  describe('tenant isolation (OpenFang serves every org’s objects; the gateway must not)', () => {
    let theirs: { agent: string; workflow: string; run: string; model: string; trigger: string };
    beforeAll(() => {
      const o = other.orgId;
      theirs = {
        agent: of.seed('agents', { id: 'agt_theirs', org_id: o, name: 'their agent' }).id,
        workflow: of.seed('workflows', { id: 'wf_theirs', org_id: o, name: 'their wf', steps: [] }).id,
        run: of.seed('runs', { id: 'run_theirs', org_id: o, workflow_id: 'wf_theirs', status: 'running' }).id,
        model: of.seed('models', { id: 'mdl_theirs', tenant: o, name: 'm', provider: 'openai', model: 'x' }).id,
        trigger: of.seed('triggers', { id: 'trg_theirs', org_id: o, workflow_id: 'wf_theirs', kind: 'cron' }).id,
      };
      of.seed('agents', { id: 'agt_orphan', name: 'no org at all' });
    });

    it('lists only the caller’s objects and drops totals', async () => {
      for (const col of ['agents', 'workflows', 'runs', 'models', 'triggers']) {
        const res = await http().get(`/api/v1/orchestrator/${col}`).set(owner.auth).expect(200);
        const ids = (res.body.items as { id: string; org_id?: string }[]).map((o) => o.id);
        const theirId = {
          agents: theirs.agent,
          workflows: theirs.workflow,
          runs: theirs.run,
          models: theirs.model,
          triggers: theirs.trigger,
        }[col];
        expect(ids).not.toContain(theirId);
        expect(ids).not.toContain('agt_orphan');
        expect(JSON.stringify(res.body)).not.toContain(other.orgId);
        expect(res.body.total).toBeUndefined();
      }
      const mine = await http().get('/api/v1/orchestrator/agents').set(other.auth).expect(200);
      expect((mine.body.items as { id: string }[]).map((o) => o.id)).toContain('agt_theirs');
    });

    it('another org’s object is 404 for reads, and changes never reach OpenFang', async () => {
      const paths: [string, string][] = [
        ['agents', theirs.agent],
        ['workflows', theirs.workflow],
        ['runs', theirs.run],
        ['models', theirs.model],
        ['triggers', theirs.trigger],
      ];
      for (const [col, id] of paths) {
        const res = await http().get(`/api/v1/orchestrator/${col}/${id}`).set(owner.auth).expect(404);
        expect(JSON.stringify(res.body)).not.toContain(other.orgId);
      }
      await http().get('/api/v1/orchestrator/agents/agt_orphan').set(owner.auth).expect(404);
      const before = of.requests.length;
      await http()
        .patch(`/api/v1/orchestrator/workflows/${theirs.workflow}`)
        .set(owner.auth)
        .send({ name: 'pwned' })
        .expect(404);
      await http().delete(`/api/v1/orchestrator/agents/${theirs.agent}`).set(owner.auth).expect(404);
      await http().delete(`/api/v1/orchestrator/models/${theirs.model}`).set(owner.auth).expect(404);
      await http().post(`/api/v1/orchestrator/workflows/${theirs.workflow}/run`).set(owner.auth).send({}).expect(404);
      await http().post(`/api/v1/orchestrator/runs/${theirs.run}/cancel`).set(owner.auth).expect(404);
      await http().get(`/api/v1/orchestrator/runs/${theirs.run}/logs`).set(owner.auth).expect(404);
      const mutations = of.requests.slice(before).filter((r) => r.method !== 'GET');
      expect(mutations).toEqual([]);
      expect(of.get('workflows', theirs.workflow)!.name).toBe('their wf');
      expect(of.get('agents', theirs.agent)).toBeDefined();
      expect(of.get('runs', theirs.run)!.status).toBe('running');
    });

    it('a body naming another org’s agent or workflow is refused before OpenFang sees it', async () => {
      const before = of.requests.length;
      await http()
        .post('/api/v1/orchestrator/workflows')
        .set(owner.auth)
        .send({ name: 'borrow', steps: [{ id: 's', mode: 'fan-out', agent_id: theirs.agent }] })
        .expect(404);
      await http()
        .post('/api/v1/orchestrator/triggers')
        .set(owner.auth)
        .send({ workflow_id: theirs.workflow, kind: 'cron', schedule: '* * * * *' })
        .expect(404);
      expect(of.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    });

    it('path tricks stay inside the resource (encoded slashes and dots)', async () => {
      await http()
        .get(`/api/v1/orchestrator/agents/${encodeURIComponent('../workflows/wf_theirs')}`)
        .set(owner.auth)
        .expect(404);
      const call = lastCall();
      expect(call.path).toBe('/api/agents/..%2Fworkflows%2Fwf_theirs');
    });
  });

  it('feature off for the org (settings override) → 404 feature_disabled; status still answers', async () => {
    const org = await registerOwner(t, 'orch-off');
    await http().patch('/api/v1/settings/features').set(org.auth).send({ orchestrator: false }).expect(200);
    const res = await http().get('/api/v1/orchestrator/agents').set(org.auth).expect(404);
    expect(res.body.error.code).toBe('feature_disabled');
    const st = await http().get('/api/v1/orchestrator/status').set(org.auth).expect(200);
    expect(st.body).toEqual({ enabled: false, configured: true, reachable: false });
  });

  it('unauthenticated → 401', async () => {
    await http().get('/api/v1/orchestrator/agents').expect(401);
    await http().get('/api/v1/orchestrator/status').expect(401);
  });
});

describe('orchestrator gateway without a reachable OpenFang', () => {
  let unset: TestApp;
  let dead: TestApp;
  let deadPort = 0;

  beforeAll(async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    deadPort = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    unset = await startTestApp({ AGENTCY_FEATURES_ORCHESTRATOR: 'true', OPENFANG_URL: '' });
    dead = await startTestApp({ AGENTCY_FEATURES_ORCHESTRATOR: 'true', OPENFANG_URL: `http://127.0.0.1:${deadPort}` });
  });
  afterAll(async () => {
    await unset?.close();
    await dead?.close();
  });

  it('unset OPENFANG_URL → 503 sidecar_unavailable; status configured=false', async () => {
    const u = await registerOwner(unset, 'orch-unset');
    const res = await unset.http().get('/api/v1/orchestrator/workflows').set(u.auth).expect(503);
    expect(res.body.error).toMatchObject({ code: 'sidecar_unavailable', details: { service: 'openfang' } });
    const st = await unset.http().get('/api/v1/orchestrator/status').set(u.auth).expect(200);
    expect(st.body).toEqual({ enabled: true, configured: false, reachable: false });
  });

  it('connection refused → 503 sidecar_unavailable (reads, writes, SSE); status reachable=false', async () => {
    const u = await registerOwner(dead, 'orch-dead');
    for (const req of [
      dead.http().get('/api/v1/orchestrator/agents'),
      dead.http().post('/api/v1/orchestrator/workflows').send({ name: 'x' }),
      dead.http().get('/api/v1/orchestrator/runs/run_1/logs'),
    ]) {
      const res = await req.set(u.auth).expect(503);
      expect(res.body.error).toMatchObject({ code: 'sidecar_unavailable', details: { service: 'openfang' } });
    }
    const st = await dead.http().get('/api/v1/orchestrator/status').set(u.auth).expect(200);
    expect(st.body).toEqual({ enabled: true, configured: true, reachable: false });
  });
});
