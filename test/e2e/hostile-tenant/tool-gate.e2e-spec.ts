/**
 * One gate for every tool call: the direct endpoint (`POST /sources/:id/tools/:tool/execute`), the
 * chat loop, the manual tool-call endpoint and agent runs refuse the same calls for the same
 * reasons (role, org approval defaults, agent allow-lists), and the caller cannot approve their
 * own destructive call unless the org allows it. The fake Kubernetes API is the local target:
 * its request log proves that nothing refused was ever sent.
 */
import { addMember, createApiKey, registerOwner, TestUser } from '../../factories/users';
import { startTestApp, TestApp } from '../../setup/test-app';
import type { FakeKubeApi } from '../../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai-server';
import { createKubeSource, eventually, openSse, withFakeKube } from '../chat-helpers';

const SCALE = { namespace: 'prod', name: 'web', replicas: 5 };
const DELETE = { namespace: 'prod', name: 'web-7d9f8b6c5d-abcde' };
const ALLOW_ALL = { read: 'allow', write: 'allow', destructive: 'allow' };

describe('hostile tenant: one tool gate for the direct endpoint, chat, manual calls and agent runs', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;

  beforeAll(async () => {
    [fake, kube] = await Promise.all([startFakeOpenAI(), withFakeKube()]);
    t = await startTestApp({
      ...fake.apiEnv,
      SSE_PING_INTERVAL_MS: '250',
      CHAT_APPROVAL_POLL_MS: '200',
      CHAT_SWEEP_INTERVAL_MS: '300',
    });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([fake?.close(), kube?.close()]);
  });
  beforeEach(() => fake.reset());

  const writes = (from: number) => kube.requests.slice(from).filter((r) => r.method !== 'GET');
  const setSecurity = (u: TestUser, body: Record<string, unknown>) =>
    t.http().post('/api/v1/settings/security').set(u.auth).send(body).expect(200);
  const direct = (u: TestUser, sourceId: string, tool: string, args: Record<string, unknown>) =>
    t.http().post(`/api/v1/sources/${sourceId}/tools/${tool}/execute`).set(u.auth).send({ args });
  const conversation = async (u: TestUser) =>
    (await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'gate' }).expect(201)).body
      .id as string;
  const manual = (u: TestUser, conv: string, tool: string, args: Record<string, unknown>) =>
    t.http().post(`/api/v1/chat/conversations/${conv}/tool-calls`).set(u.auth).send({ tool, arguments: args });
  const executeCall = (tool: string, args: Record<string, unknown>) => ({
    toolCalls: [{ name: 'execute_connector_tool', arguments: { tool, arguments: args } }],
  });
  const auditEntry = async (owner: TestUser, id: string) =>
    (await t.http().get(`/api/v1/activity/audit/${id}`).set(owner.auth).expect(200)).body;

  async function tenant(prefix: string) {
    const owner = await registerOwner(t, prefix);
    const source = await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster');
    return { owner, source };
  }

  it('a viewer is refused write and destructive tools the same way everywhere, even when the org allows them', async () => {
    const { owner, source } = await tenant('gate-viewer');
    await setSecurity(owner, { approval_defaults: ALLOW_ALL });
    const viewer = await addMember(t, owner, 'viewer', 'gate-viewer');
    const before = kube.requests.length;

    // read tools: allowed for viewers on the direct endpoint too
    const read = await direct(viewer, source.id, 'list_pods', { namespace: 'prod' }).expect(200);
    expect(JSON.stringify(read.body.result)).toContain('web-7d9f8b6c5d-abcde');

    // the direct endpoint
    for (const [tool, args] of [
      ['scale_deployment', SCALE],
      ['delete_pod', DELETE],
    ] as const) {
      const res = await direct(viewer, source.id, tool, args).expect(403);
      expect(res.body.error).toMatchObject({
        code: 'policy_denied',
        details: { policy: 'role-viewer-read-only', audit_id: expect.any(String) },
      });
      expect(await auditEntry(owner, res.body.error.details.audit_id)).toMatchObject({
        category: 'policy',
        action: 'chat.tool.execute',
        result: 'denied',
        details: { decision: 'deny', policy: 'role-viewer-read-only', entry: 'direct', role: 'viewer' },
      });
    }

    // the manual tool-call endpoint
    const conv = await conversation(viewer);
    const viaManual = await manual(viewer, conv, 'prod-cluster.scale_deployment', SCALE).expect(403);
    expect(viaManual.body.error).toMatchObject({
      code: 'policy_denied',
      details: { policy: { decision: 'deny', policy: 'role-viewer-read-only' } },
    });

    // the chat loop
    fake.script(executeCall('prod-cluster.delete_pod', DELETE), { text: 'I cannot do that.' });
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: viewer.auth,
      body: { content: 'delete the web pod' },
    });
    await s.done;
    expect(s.events.map((e) => e.event)).not.toContain('approval_required');
    expect(s.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
      status: 'denied',
      error: { code: 'policy_denied' },
    });
    expect(s.events.find((e) => e.event === 'tool_result')!.data.error.message).toContain('Viewers may only run read');

    // the loop does not even offer a viewer the write tools
    fake.script(
      { toolCalls: [{ name: 'search_connector_tools', arguments: { query: 'scale delete pod' } }] },
      {
        text: 'done',
      },
    );
    const search = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: viewer.auth,
      body: { content: 'what can I change?' },
    });
    await search.done;
    const found = search.events.find((e) => e.event === 'tool_result')!.data.result.tools;
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((x: { effect: string }) => x.effect === 'read')).toBe(true);

    expect(writes(before)).toEqual([]);
  });

  it("the org's approval defaults cannot be bypassed through the direct endpoint", async () => {
    const { owner, source } = await tenant('gate-defaults');
    const member = await addMember(t, owner, 'member', 'gate-defaults');
    const before = kube.requests.length;

    // defaults: write needs an approval, which this endpoint does not have (chat's manual endpoint does)
    for (const u of [owner, member]) {
      const res = await direct(u, source.id, 'scale_deployment', SCALE).expect(403);
      expect(res.body.error).toMatchObject({
        code: 'approval_required',
        details: { effect: 'write', policy: 'default-write', audit_id: expect.any(String) },
      });
    }
    const destructive = await direct(owner, source.id, 'delete_pod', DELETE).expect(403);
    expect(destructive.body.error.code).toBe('approval_required');
    // the same call through chat's manual endpoint waits for a human
    const conv = await conversation(owner);
    const pending = await manual(owner, conv, 'prod-cluster.scale_deployment', SCALE).expect(202);
    expect(pending.body).toMatchObject({ status: 'pending_approval', policy: { policy: 'default-write' } });

    // deny refuses even read tools, on every path
    await setSecurity(owner, { approval_defaults: { read: 'deny' } });
    const deniedRead = await direct(owner, source.id, 'list_pods', { namespace: 'prod' }).expect(403);
    expect(deniedRead.body.error).toMatchObject({ code: 'policy_denied', details: { policy: 'default-read' } });
    const deniedManual = await manual(owner, conv, 'prod-cluster.list_pods', { namespace: 'prod' }).expect(403);
    expect(deniedManual.body.error.code).toBe('policy_denied');

    await setSecurity(owner, { approval_defaults: { read: 'allow', write: 'deny' } });
    const deniedWrite = await direct(owner, source.id, 'scale_deployment', SCALE).expect(403);
    expect(deniedWrite.body.error).toMatchObject({ code: 'policy_denied', details: { policy: 'default-write' } });
    expect(writes(before)).toEqual([]);

    // once the org allows writes, a member runs one directly (the gate, not a role list, decides)
    await setSecurity(owner, { approval_defaults: { write: 'allow' } });
    await direct(member, source.id, 'scale_deployment', SCALE).expect(200);
    expect(writes(before)).toHaveLength(1);
    // a destructive tool that declares requiresApproval still needs one
    expect((await direct(owner, source.id, 'delete_pod', DELETE).expect(403)).body.error.code).toBe(
      'approval_required',
    );
    expect(writes(before)).toHaveLength(1);
  });

  it("an agent's connector allow-list applies to its runs", async () => {
    const { owner } = await tenant('gate-agent');
    await t
      .http()
      .post('/api/v1/agents')
      .set(owner.auth)
      .send({ name: 'github-only', connectors_allowlist: ['github'] })
      .expect(201);
    const before = kube.requests.length;
    fake.script(executeCall('prod-cluster.list_pods', { namespace: 'prod' }), { text: 'Not allowed.' });
    const run = await t
      .http()
      .post('/api/v1/agents/github-only/run')
      .set(owner.auth)
      .send({ input: 'list the pods' })
      .expect(202);
    const done = await eventually(async () => {
      const r = await t.http().get(`/api/v1/agents/github-only/runs/${run.body.run_id}`).set(owner.auth).expect(200);
      return r.body.status !== 'running' ? r.body : undefined;
    });
    expect(done.status).toBe('completed');
    expect(done.tool_calls).toEqual([expect.objectContaining({ tool: 'kubernetes.list_pods', status: 'denied' })]);
    const call = await t
      .http()
      .get(`/api/v1/chat/conversations/${done.conversation_id}/tool-calls/${done.tool_calls[0].tool_call_id}`)
      .set(owner.auth)
      .expect(200);
    expect(call.body).toMatchObject({
      error: { code: 'policy_denied', message: 'Connector kubernetes is not allowed for agent github-only' },
      policy: { decision: 'deny', policy: 'agent-connectors-allowlist' },
    });
    expect(await auditEntry(owner, call.body.policy.audit_id)).toMatchObject({
      details: { entry: 'agent_run', agent: 'github-only', decision: 'deny' },
    });
    expect(kube.requests.slice(before)).toEqual([]);
  });

  it('the caller cannot approve their own destructive call unless allow_self_approval is on', async () => {
    const { owner } = await tenant('gate-self');
    const admin = await addMember(t, owner, 'admin', 'gate-self');
    const conv = await conversation(owner);
    expect((await t.http().get('/api/v1/settings/security').set(owner.auth).expect(200)).body).toMatchObject({
      allow_self_approval: false,
    });
    const before = kube.requests.length;

    const first = await manual(owner, conv, 'prod-cluster.delete_pod', DELETE).expect(202);
    const self = await t
      .http()
      .post(`/api/v1/chat/approvals/${first.body.approval_id}`)
      .set(owner.auth)
      .send({ approved: true })
      .expect(403);
    expect(self.body.error).toMatchObject({
      code: 'self_approval_forbidden',
      details: { approval_id: first.body.approval_id },
    });
    // also through the conversation route, and with an API key of the same user
    await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/approvals/${first.body.approval_id}`)
      .set(owner.auth)
      .send({ approved: true })
      .expect(403);
    const key = await createApiKey(t, owner, { role: 'admin' });
    await t
      .http()
      .post(`/api/v1/chat/approvals/${first.body.approval_id}`)
      .set(key.auth)
      .send({ approved: true })
      .expect(403);
    expect(writes(before)).toEqual([]);
    const still = await t
      .http()
      .get(`/api/v1/chat/conversations/${conv}/tool-calls/${first.body.tool_call_id}`)
      .set(owner.auth)
      .expect(200);
    expect(still.body.status).toBe('pending_approval');
    // denying one's own call stays possible; another admin may approve
    await t
      .http()
      .post(`/api/v1/chat/approvals/${first.body.approval_id}`)
      .set(admin.auth)
      .send({ approved: true })
      .expect(200);
    await eventually(async () => {
      const r = await t
        .http()
        .get(`/api/v1/chat/conversations/${conv}/tool-calls/${first.body.tool_call_id}`)
        .set(owner.auth);
      return r.body.status === 'completed';
    });
    expect(writes(before).filter((r) => r.method === 'DELETE')).toHaveLength(1);

    const second = await manual(owner, conv, 'prod-cluster.delete_pod', DELETE).expect(202);
    await t
      .http()
      .post(`/api/v1/chat/approvals/${second.body.approval_id}`)
      .set(owner.auth)
      .send({ approved: false, note: 'changed my mind' })
      .expect(200);

    await setSecurity(owner, { allow_self_approval: true });
    const third = await manual(owner, conv, 'prod-cluster.delete_pod', {
      namespace: 'prod',
      name: 'web-7d9f8b6c5d-fghij',
    }).expect(202);
    await t
      .http()
      .post(`/api/v1/chat/approvals/${third.body.approval_id}`)
      .set(owner.auth)
      .send({ approved: true })
      .expect(200);
    await eventually(async () => {
      const r = await t
        .http()
        .get(`/api/v1/chat/conversations/${conv}/tool-calls/${third.body.tool_call_id}`)
        .set(owner.auth);
      return r.body.status === 'completed';
    });
    expect(writes(before).filter((r) => r.method === 'DELETE')).toHaveLength(2);
  });
});
