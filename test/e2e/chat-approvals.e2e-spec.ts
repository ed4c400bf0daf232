import { META_TOOL_NAMES } from 'src/modules/chat/tools/meta-tools';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { openWs } from '../support/ws-client';
import { allowSelfApproval, createKubeSource, eventually, names, openSse, withFakeKube } from './chat-helpers';

const POD = 'web-7d9f8b6c5d-abcde';
const deletePodCall = (id = 'call_del') => ({
  toolCalls: [
    {
      id,
      name: 'execute_connector_tool',
      arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: POD } },
    },
  ],
});

function toolMessages(body: any): any[] {
  return (body?.messages ?? []).filter((m: any) => m.role === 'tool');
}

describe('chat: agent loop against a fake OpenAI model: approvals, deny, expiry, 409, max_iterations, cancel', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let u: TestUser;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp({
      ...fake.apiEnv,
      SSE_PING_INTERVAL_MS: '250',
      CHAT_APPROVAL_POLL_MS: '200',
      CHAT_SWEEP_INTERVAL_MS: '300',
    });
    u = await registerOwner(t, 'chatapr');
    await allowSelfApproval(t.baseUrl, u.auth);
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    await kube.close();
  });
  beforeEach(() => fake.reset());

  const newConversation = async (user = u, extra: Record<string, unknown> = {}) =>
    (
      await t
        .http()
        .post('/api/v1/chat/conversations')
        .set(user.auth)
        .send({ title: 'ops', ...extra })
        .expect(201)
    ).body.id as string;
  const send = (conv: string, content: string, user = u) =>
    openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, { headers: user.auth, body: { content } });

  it('the WebSocket topic approvals carries approval.created and approval.resolved', async () => {
    const ws = await openWs(t.baseUrl, { token: u.token });
    try {
      await ws.next((m) => m.type === 'welcome');
      await ws.subscribe(['approvals']);
      fake.script(deletePodCall('call_ws'), { text: 'Pod deleted.' });
      const s = await send(await newConversation(), 'delete the web pod');
      const req = await s.waitFor((e) => e.event === 'approval_required');
      const created = await ws.next((m) => m.type === 'approval.created');
      expect(created.data).toMatchObject({ approval_id: req.data.approval_id, tool: 'kubernetes.delete_pod' });
      await t
        .http()
        .post(`/api/v1/chat/approvals/${req.data.approval_id}`)
        .set(u.auth)
        .send({ approved: false })
        .expect(200);
      const resolved = await ws.next((m) => m.type === 'approval.resolved');
      expect(resolved.data).toMatchObject({ approval_id: req.data.approval_id, decision: 'denied' });
      await s.waitFor((e) => e.event === 'message_end');
    } finally {
      await ws.close();
    }
  });

  it('approve: waits with pings, 409 on a concurrent turn, executes once after approval, a second decision is 409', async () => {
    fake.script(deletePodCall(), { text: 'Pod deleted.' });
    const conv = await newConversation();
    const s = await send(conv, 'delete the web pod');
    const req = await s.waitFor((e) => e.event === 'approval_required');
    expect(req.data).toMatchObject({
      approval_id: expect.any(String),
      tool_call_id: expect.any(String),
      name: 'execute_connector_tool',
      tool: 'kubernetes.delete_pod',
      effect: 'destructive',
      args: { namespace: 'prod', name: POD },
      expires_at: expect.any(String),
    });
    expect(req.data.reason).toContain('requires approval');
    const start = s.events.find((e) => e.event === 'tool_call_start')!;
    expect(start.data).toMatchObject({
      tool_call_id: req.data.tool_call_id,
      name: 'execute_connector_tool',
      connector: 'kubernetes',
    });

    // a second message while the turn runs → 409 turn_in_progress
    const busy = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/messages`)
      .set(u.auth)
      .send({ content: 'hello?' })
      .expect(409);
    expect(busy.body.error.code).toBe('turn_in_progress');

    await s.waitFor((e) => e.event === 'ping' && Number(e.id) > Number(req.id));
    const detail = await t.http().get(`/api/v1/chat/conversations/${conv}`).set(u.auth).expect(200);
    expect(detail.body.pending_approvals).toEqual([
      expect.objectContaining({ id: req.data.approval_id, status: 'pending', tool: 'kubernetes.delete_pod' }),
    ]);
    const inbox = await t.http().get('/api/v1/chat/approvals?status=pending').set(u.auth).expect(200);
    expect(inbox.body.items.map((a: any) => a.id)).toContain(req.data.approval_id);
    expect(kube.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);

    const ok = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/approvals/${req.data.approval_id}`)
      .set(u.auth)
      .send({ approved: true })
      .expect(200);
    expect(ok.body).toMatchObject({ id: req.data.approval_id, status: 'approved', decided_by: u.userId });
    const twice = await t
      .http()
      .post(`/api/v1/chat/approvals/${req.data.approval_id}`)
      .set(u.auth)
      .send({ approved: false })
      .expect(409);
    expect(twice.body.error.code).toBe('approval_already_decided');

    await s.done;
    const result = s.events.find((e) => e.event === 'tool_result')!;
    expect(result.data).toMatchObject({ tool_call_id: req.data.tool_call_id, status: 'completed' });
    expect(s.events.find((e) => e.event === 'approval_resolved')!.data).toMatchObject({
      approval_id: req.data.approval_id,
      decision: 'approved',
    });
    expect(s.events[s.events.length - 1]).toMatchObject({ event: 'message_end', data: { finish_reason: 'end_turn' } });
    expect(kube.requests.filter((r) => r.method === 'DELETE' && r.path.includes(POD))).toHaveLength(1);
    // the model got the tool result on its second call, and only ever saw meta-tools (never a connector tool)
    expect(fake.requests).toHaveLength(2);
    const offered: string[] = fake.requests[0].body.tools.map((x: any) => x.function.name);
    expect(offered).toEqual(
      expect.arrayContaining([
        'execute_connector_tool',
        'list_connectors',
        'request_connector_access',
        'search_connector_tools',
      ]),
    );
    expect(offered.filter((n) => !META_TOOL_NAMES.has(n))).toEqual([]);
    expect(toolMessages(fake.requests[1].body)).toHaveLength(1);

    const msgs = await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(u.auth).expect(200);
    expect(msgs.body.items[1]).toMatchObject({
      role: 'assistant',
      content: 'Pod deleted.',
      finish_reason: 'end_turn',
      tool_calls: [
        expect.objectContaining({
          tool_call_id: req.data.tool_call_id,
          status: 'completed',
          tool: 'kubernetes.delete_pod',
        }),
      ],
    });
    const audit = await t.http().get('/api/v1/activity/audit?category=approval').set(u.auth);
    if (audit.status === 200) {
      expect(JSON.stringify(audit.body)).toContain(req.data.approval_id);
    }
  });

  it('deny: the tool does not run and the approver note reaches the model as a policy_denied tool error', async () => {
    fake.script(deletePodCall(), { text: 'Understood, I will not delete it.' });
    const before = kube.requests.length;
    const conv = await newConversation();
    const s = await send(conv, 'delete the web pod');
    const req = await s.waitFor((e) => e.event === 'approval_required');
    await t
      .http()
      .post(`/api/v1/chat/approvals/${req.data.approval_id}`)
      .set(u.auth)
      .send({ approved: false, note: 'change freeze until Thursday' })
      .expect(200);
    await s.done;
    const result = s.events.find((e) => e.event === 'tool_result')!;
    expect(result.data).toMatchObject({
      tool_call_id: req.data.tool_call_id,
      status: 'denied',
      error: { code: 'policy_denied' },
      result: { error: { code: 'policy_denied' } },
    });
    expect(result.data.error.message).toContain('change freeze until Thursday');
    const tm = toolMessages(fake.requests[1].body);
    expect(tm).toHaveLength(1);
    expect(JSON.stringify(tm[0].content)).toContain('policy_denied');
    expect(JSON.stringify(tm[0].content)).toContain('change freeze until Thursday');
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);
    const tc = await t
      .http()
      .get(`/api/v1/chat/conversations/${conv}/tool-calls/${req.data.tool_call_id}`)
      .set(u.auth)
      .expect(200);
    expect(tc.body.status).toBe('denied');
  });

  it('org defaults: write=allow runs a write tool without approval; write=deny refuses at once with policy_denied', async () => {
    const owner = await registerOwner(t, 'chatdefaults');
    await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster');
    const scale = {
      toolCalls: [
        {
          name: 'execute_connector_tool',
          arguments: {
            tool: 'kubernetes.scale_deployment',
            arguments: { namespace: 'prod', name: 'web', replicas: 3 },
          },
        },
      ],
    };
    await t
      .http()
      .post('/api/v1/settings/security')
      .set(owner.auth)
      .send({ approval_defaults: { write: 'allow' } })
      .expect((r) => expect([200, 201]).toContain(r.status));
    fake.script(scale, { text: 'Scaled.' });
    const s1 = await send(await newConversation(owner), 'scale web to 3', owner);
    await s1.done;
    expect(names(s1.events)).not.toContain('approval_required');
    expect(s1.events.find((e) => e.event === 'tool_result')!.data.status).toBe('completed');

    await t
      .http()
      .post('/api/v1/settings/security')
      .set(owner.auth)
      .send({ approval_defaults: { write: 'deny' } })
      .expect((r) => expect([200, 201]).toContain(r.status));
    fake.script(scale, { text: 'Not allowed.' });
    const s2 = await send(await newConversation(owner), 'scale web to 3', owner);
    await s2.done;
    expect(names(s2.events)).not.toContain('approval_required');
    expect(s2.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
      status: 'denied',
      error: { code: 'policy_denied' },
    });
  });

  it('max_iterations: a model that keeps calling tools is stopped and asked for a final answer without tools', async () => {
    const agent = await t
      .http()
      .post('/api/v1/agents')
      .set(u.auth)
      .send({ name: `loopy-${Date.now()}`, max_iterations: 2 });
    expect(agent.status).toBe(201);
    const search = { toolCalls: [{ name: 'search_connector_tools', arguments: { query: 'pods' } }] };
    fake.script(search, search, { text: 'Stopping here.' });
    const conv = await newConversation(u, { agent_id: agent.body.id });
    const s = await send(conv, 'loop forever');
    await s.done;
    expect(s.events.filter((e) => e.event === 'tool_call_start')).toHaveLength(2);
    expect(s.events[s.events.length - 1].data.finish_reason).toBe('max_iterations');
    expect(fake.requests).toHaveLength(3);
    // the final call offers no usable tools: none at all, or only the history's tools with tool_choice "none"
    const last = fake.requests[2].body;
    if ((last.tools ?? []).length) {
      expect(last.tool_choice).toBe('none');
    }
    expect(fake.requests[0].body.tool_choice).not.toBe('none');
  });

  it('cancel: a turn waiting for an approval ends with finish_reason cancelled and a paired tool_result', async () => {
    fake.script(deletePodCall());
    const conv = await newConversation();
    const s = await send(conv, 'delete the web pod');
    const req = await s.waitFor((e) => e.event === 'approval_required');
    const c = await t.http().post(`/api/v1/chat/conversations/${conv}/cancel`).set(u.auth).expect(202);
    expect(c.body.cancelled).toBe(true);
    await s.done;
    expect(s.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
      tool_call_id: req.data.tool_call_id,
      status: 'failed',
      error: { code: 'cancelled' },
    });
    expect(s.events[s.events.length - 1].data.finish_reason).toBe('cancelled');
    const a = await t.http().get(`/api/v1/chat/approvals/${req.data.approval_id}`).set(u.auth).expect(200);
    expect(a.body.status).toBe('expired');
    // the conversation is free again
    fake.script({ text: 'hi' });
    const again = await send(conv, 'hello');
    await again.done;
    expect(again.events[again.events.length - 1].data.finish_reason).toBe('end_turn');
  });

  it('a failing model: `error` then message_end{finish_reason:"error"}, the turn is stored and the conversation is free again', async () => {
    fake.script({ status: 401, error: { message: 'bad key', type: 'invalid_request_error' } });
    const conv = await newConversation();
    const s = await send(conv, 'hello');
    await s.done;
    const seq = names(s.events);
    expect(seq.slice(-2)).toEqual(['error', 'message_end']);
    expect(s.events.find((e) => e.event === 'error')!.data).toMatchObject({
      code: expect.any(String),
      message: expect.any(String),
    });
    expect(s.events[s.events.length - 1].data.finish_reason).toBe('error');
    const msgs = await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(u.auth).expect(200);
    expect(msgs.body.items.map((m: any) => [m.role, m.finish_reason])).toEqual([
      ['user', null],
      ['assistant', 'error'],
    ]);
    fake.script({ text: 'ok now' });
    const again = await send(conv, 'retry');
    await again.done;
    expect(again.events[again.events.length - 1].data.finish_reason).toBe('end_turn');
  });

  it('expiry: with approval_timeout_secs=10 the call ends approval_expired, and a late decision is 409 approval_expired', async () => {
    const owner = await registerOwner(t, 'chatexp');
    await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster');
    await t
      .http()
      .post('/api/v1/settings/security')
      .set(owner.auth)
      .send({ approval_timeout_secs: 10 })
      .expect((r) => expect([200, 201]).toContain(r.status));
    // a lifecycle task listening to approval.expired (its own run may call the model too)
    const onExpiry = await t
      .http()
      .post('/api/v1/tasks')
      .set(owner.auth)
      .send({ name: 'on-expiry', trigger: { kind: 'lifecycle', event: 'approval.expired' } })
      .expect(201);
    fake.script(deletePodCall(), { text: 'The approval expired.' });
    const before = kube.requests.length;
    const conv = await newConversation(owner);
    const s = await send(conv, 'delete the web pod', owner);
    const req = await s.waitFor((e) => e.event === 'approval_required');
    const ttl = new Date(req.data.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(7_000);
    expect(ttl).toBeLessThanOrEqual(10_500);
    await s.done;
    expect(s.events.find((e) => e.event === 'approval_resolved')!.data.decision).toBe('expired');
    expect(s.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
      status: 'expired',
      error: { code: 'approval_expired' },
    });
    expect(fake.requests.some((r) => JSON.stringify(toolMessages(r.body)).includes('approval_expired'))).toBe(true);
    const fired = await eventually(async () => {
      const runs = await t.http().get(`/api/v1/tasks/${onExpiry.body.id}/runs`).set(owner.auth).expect(200);
      return runs.body.items[0];
    });
    expect(fired.trigger).toMatchObject({
      kind: 'lifecycle',
      event: 'approval.expired',
      data: { approval_id: req.data.approval_id, conversation_id: conv },
    });
    const late = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/approvals/${req.data.approval_id}`)
      .set(owner.auth)
      .send({ approved: true })
      .expect(409);
    expect(late.body.error.code).toBe('approval_expired');
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);
  }, 40_000);
});
