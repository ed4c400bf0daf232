import { addMember, loginAdmin, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api, createKubeSource, eventually, names, openSse, withFakeKube } from './chat-helpers';

const DENY_USER_LIST = `@id("no_user_list")
@message("{principal.role}s may not list users")
forbid (principal, action == Agentcy::Action::"user.list", resource)
when { principal.role == "member" };
`;

const NO_DESTRUCTIVE_FOR_MEMBERS = `@id("destructive")
@message("{resource.tool} is destructive and {principal.role} may not run it")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when {
  resource has tool_effect && resource.tool_effect == "destructive" &&
  !["admin", "owner"].contains(principal.role)
};
`;

const LIST_PODS_NEEDS_APPROVAL = `@id("list_pods_approval")
@approval("required")
@message("{principal.role}s need an approval to list pods")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when { resource has tool_name && resource.tool_name == "list_pods" && principal.role == "member" };
`;

describe('policies: enforcement on HTTP routes and tool calls, across replicas', () => {
  let t: TestApp;
  let kube: FakeKubeApi;
  let fake: FakeOpenAI;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let sourceId: string;

  const createPolicy = async (by: TestUser, name: string, source: string) =>
    (await t.http().post('/api/v1/policies').set(by.auth).send({ name, source }).expect(201)).body.id as string;
  const conversation = async (u: TestUser) =>
    (await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'pol' }).expect(201)).body
      .id as string;
  const toolCall = (u: TestUser, conv: string, tool: string, args: Record<string, unknown>) =>
    t.http().post(`/api/v1/chat/conversations/${conv}/tool-calls`).set(u.auth).send({ tool, arguments: args });

  beforeAll(async () => {
    kube = await withFakeKube();
    fake = await startFakeOpenAI();
    t = await startTestApp({ ...fake.apiEnv, AGENTCY_FEATURES_POLICIES: 'true', CHAT_APPROVAL_POLL_MS: '200' });
    owner = await registerOwner(t, 'polenf');
    admin = await addMember(t, owner, 'admin', 'polenfa');
    member = await addMember(t, owner, 'member', 'polenfm');
    sourceId = (await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster')).id;
  });
  afterAll(async () => {
    await t.close();
    await kube.close();
    await fake.close();
  });

  it('an HTTP deny answers 403 policy_denied with the messages and the id of its audit entry', async () => {
    const org = await registerOwner(t, 'polhttp');
    const m = await addMember(t, org, 'member', 'polhttpm');
    await t.http().get('/api/v1/users').set(m.auth).expect(200);
    const policyId = await createPolicy(org, 'deny-user-list', DENY_USER_LIST);
    const res = await t.http().get('/api/v1/users').set(m.auth).expect(403);
    expect(res.body.error).toMatchObject({
      code: 'policy_denied',
      message: 'members may not list users',
      details: {
        audit_id: expect.any(String),
        messages: ['members may not list users'],
        rule: 'deny-user-list.no_user_list',
      },
    });
    const entry = await t
      .http()
      .get(`/api/v1/activity/audit/${res.body.error.details.audit_id}`)
      .set(org.auth)
      .expect(200);
    expect(entry.body).toMatchObject({
      category: 'policy',
      action: 'user.list',
      result: 'denied',
      details: { decision: 'deny', rule: 'deny-user-list.no_user_list', policy_id: policyId },
    });
    // the owner is not a member: allowed (and that decision is audited too)
    await t.http().get('/api/v1/users').set(org.auth).expect(200);
    const allowed = await eventually(async () => {
      const r = await t.http().get('/api/v1/activity/audit?category=policy&limit=100').set(org.auth).expect(200);
      return (r.body.items as any[]).find((e) => e.action === 'user.list' && e.details?.decision === 'allow');
    }, 5_000);
    expect(allowed.result).toBe('success');
  });

  it('a policy denies a destructive tool to members and leaves admins to the approval defaults', async () => {
    await createPolicy(owner, 'no-destructive-for-members', NO_DESTRUCTIVE_FOR_MEMBERS);
    const before = kube.requests.length;
    const args = { namespace: 'prod', name: 'web-7d9f8b6c5d-abcde' };

    const denied = await toolCall(member, await conversation(member), 'prod-cluster.delete_pod', args).expect(403);
    expect(denied.body.error.code).toBe('policy_denied');
    expect(denied.body.error.message).toContain('kubernetes.delete_pod is destructive and member may not run it');
    const direct = await t
      .http()
      .post(`/api/v1/sources/${sourceId}/tools/delete_pod/execute`)
      .set(member.auth)
      .send({ args });
    expect([direct.status, direct.body.error?.code]).toEqual([403, 'policy_denied']);
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);

    const adminCall = await toolCall(admin, await conversation(admin), 'prod-cluster.delete_pod', args).expect(202);
    expect(adminCall.body.status).toBe('pending_approval');
    // read tools are untouched
    await toolCall(member, await conversation(member), 'prod-cluster.list_pods', { namespace: 'prod' }).expect(200);
  });

  it('in the chat loop the deny reaches the model as a policy_denied tool error', async () => {
    fake.reset();
    fake.script(
      {
        toolCalls: [
          {
            id: 'call_del',
            name: 'execute_connector_tool',
            arguments: {
              tool: 'prod-cluster.delete_pod',
              arguments: { namespace: 'prod', name: 'web-7d9f8b6c5d-abcde' },
            },
          },
        ],
      },
      { text: 'I may not delete it.' },
    );
    const before = kube.requests.length;
    const conv = await conversation(member);
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: member.auth,
      body: { content: 'delete the web pod' },
    });
    await s.done;
    expect(names(s.events)).not.toContain('approval_required');
    expect(s.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
      status: 'denied',
      error: { code: 'policy_denied', message: expect.stringContaining('is destructive and member may not run it') },
    });
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a policy can demand an approval instead of denying; disabling it lifts the demand', async () => {
    const id = await createPolicy(owner, 'list-pods-approval', LIST_PODS_NEEDS_APPROVAL);
    const conv = await conversation(member);
    const res = await toolCall(member, conv, 'prod-cluster.list_pods', { namespace: 'prod' }).expect(202);
    expect(res.body).toMatchObject({ status: 'pending_approval', approval_id: expect.any(String) });
    const approval = await t.http().get(`/api/v1/chat/approvals/${res.body.approval_id}`).set(owner.auth).expect(200);
    expect(approval.body).toMatchObject({ status: 'pending', reason: 'members need an approval to list pods' });
    await toolCall(admin, await conversation(admin), 'prod-cluster.list_pods', { namespace: 'prod' }).expect(200);
    await t.http().patch(`/api/v1/policies/${id}`).set(owner.auth).send({ enabled: false }).expect(200);
    await toolCall(member, conv, 'prod-cluster.list_pods', { namespace: 'prod' }).expect(200);
  });

  it('a call approved while a new policy came in is refused by that policy, not run', async () => {
    fake.reset();
    fake.script(
      {
        toolCalls: [
          {
            id: 'call_del_late',
            name: 'execute_connector_tool',
            arguments: {
              tool: 'prod-cluster.delete_pod',
              arguments: { namespace: 'prod', name: 'web-7d9f8b6c5d-abcde' },
            },
          },
        ],
      },
      { text: 'It was refused after all.' },
    );
    const before = kube.requests.length;
    const conv = await conversation(admin);
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: admin.auth,
      body: { content: 'delete the web pod' },
    });
    const req = await s.waitFor((e) => e.event === 'approval_required');
    const id = await createPolicy(
      owner,
      'no-pod-deletes',
      `@id("no_pod_deletes")
@message("pods are not deleted from chat")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when { resource has tool_name && resource.tool_name == "delete_pod" };
`,
    );
    try {
      await t
        .http()
        .post(`/api/v1/chat/approvals/${req.data.approval_id}`)
        .set(owner.auth)
        .send({ approved: true })
        .expect(200);
      await s.done;
      expect(s.events.find((e) => e.event === 'approval_resolved')!.data.decision).toBe('approved');
      expect(s.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
        status: 'denied',
        error: { code: 'policy_denied', message: expect.stringContaining('pods are not deleted from chat') },
      });
      expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);
      const toolCallId = s.events.find((e) => e.event === 'tool_result')!.data.tool_call_id;
      const call = await t
        .http()
        .get(`/api/v1/chat/conversations/${conv}/tool-calls/${toolCallId}`)
        .set(admin.auth)
        .expect(200);
      expect(call.body).toMatchObject({ status: 'denied', error: { code: 'policy_denied' } });
    } finally {
      await t.http().patch(`/api/v1/policies/${id}`).set(owner.auth).send({ enabled: false }).expect(200);
    }
  });

  it('a manual call approved later goes through the gate again: a new deny or a disabled requester stops it', async () => {
    const needsApproval = await createPolicy(owner, 'list-pods-approval-2', LIST_PODS_NEEDS_APPROVAL);
    const requester = await addMember(t, owner, 'member', 'polenfm2');
    const listCalls = () => kube.requests.filter((r) => r.method === 'GET' && r.path.includes('/pods')).length;
    const decide = (approvalId: string) =>
      t.http().post(`/api/v1/chat/approvals/${approvalId}`).set(owner.auth).send({ approved: true }).expect(200);
    const callOf = (conv: string, id: string) =>
      t.http().get(`/api/v1/chat/conversations/${conv}/tool-calls/${id}`).set(owner.auth).expect(200);
    let hardDeny: string | undefined;
    try {
      // 1. a deny policy arrives while the call waits
      const conv = await conversation(requester);
      const pending = await toolCall(requester, conv, 'prod-cluster.list_pods', { namespace: 'prod' }).expect(202);
      hardDeny = await createPolicy(
        owner,
        'no-pod-listing',
        `@id("no_pod_listing")
@message("pods are not listed today")
forbid (principal, action == Agentcy::Action::"chat.tool.execute", resource)
when { resource has tool_name && resource.tool_name == "list_pods" };
`,
      );
      const before = listCalls();
      await decide(pending.body.approval_id);
      const denied = await eventually(async () => {
        const r = await callOf(conv, pending.body.tool_call_id);
        return r.body.status !== 'pending_approval' && r.body.status !== 'running' ? r.body : undefined;
      });
      expect(denied).toMatchObject({ status: 'denied', error: { code: 'policy_denied' } });
      expect(listCalls()).toBe(before);
      await t.http().patch(`/api/v1/policies/${hardDeny}`).set(owner.auth).send({ enabled: false }).expect(200);

      // 2. nothing changed: the approved call runs
      const conv3 = await conversation(requester);
      const pending3 = await toolCall(requester, conv3, 'prod-cluster.list_pods', { namespace: 'prod' }).expect(202);
      await decide(pending3.body.approval_id);
      const ran = await eventually(async () => {
        const r = await callOf(conv3, pending3.body.tool_call_id);
        return r.body.status === 'completed' ? r.body : undefined;
      });
      expect(ran.result.items.length).toBeGreaterThan(0);
      expect(listCalls()).toBe(before + 1);
      // 3. the requester is disabled while the call waits
      const conv2 = await conversation(requester);
      const pending2 = await toolCall(requester, conv2, 'prod-cluster.list_pods', { namespace: 'prod' }).expect(202);
      const platform = await loginAdmin(t);
      await t.http().post(`/api/v1/platform/users/${requester.userId}/disable`).set(platform.auth).expect(200);
      await decide(pending2.body.approval_id);
      const refused = await eventually(async () => {
        const r = await callOf(conv2, pending2.body.tool_call_id);
        return r.body.status !== 'pending_approval' && r.body.status !== 'running' ? r.body : undefined;
      });
      expect(refused).toMatchObject({ status: 'denied', error: { code: 'requester_inactive' } });
      expect(listCalls()).toBe(before + 1);
    } finally {
      await t.http().patch(`/api/v1/policies/${needsApproval}`).set(owner.auth).send({ enabled: false }).expect(200);
      if (hardDeny) {
        await t.http().patch(`/api/v1/policies/${hardDeny}`).set(owner.auth).send({ enabled: false }).expect(200);
      }
    }
  });

  describe('a second API process', () => {
    let child: SpawnedApi;

    beforeAll(async () => {
      child = await spawnApiProcess({ MIGRATIONS_RUN: 'false', AGENTCY_FEATURES_POLICIES: 'true' });
    }, 120_000);
    afterAll(async () => {
      await child?.kill();
    });

    it('enforces a policy changed on another process on its next requests (pub/sub, not the TTL)', async () => {
      const org = await registerOwner(t, 'polrep');
      const m = await addMember(t, org, 'member', 'polrepm');
      // the child compiles and caches the org's set
      expect((await api(child.baseUrl, 'GET', '/users', m.auth)).status).toBe(200);
      const id = await createPolicy(org, 'deny-user-list', DENY_USER_LIST);
      const denied = await eventually(async () => {
        const r = await api(child.baseUrl, 'GET', '/users', m.auth);
        return r.status === 403 ? r : undefined;
      }, 3_000);
      expect(denied.body.error.code).toBe('policy_denied');
      await t.http().patch(`/api/v1/policies/${id}`).set(org.auth).send({ enabled: false }).expect(200);
      await eventually(async () => (await api(child.baseUrl, 'GET', '/users', m.auth)).status === 200, 3_000);
    });
  });
});
