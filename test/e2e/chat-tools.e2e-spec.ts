import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { allowSelfApproval, api, createKubeSource, eventually, names, openSse, withFakeKube } from './chat-helpers';

describe('chat: manual tool calls, inbound chat webhooks, agent runs (offline provider)', () => {
  let t: TestApp;
  let kube: FakeKubeApi;
  let u: TestUser;
  let conv: string;

  beforeAll(async () => {
    kube = await withFakeKube();
    t = await startTestApp({ LLM_PROVIDER: 'offline', CHAT_APPROVAL_POLL_MS: '200', CHAT_SWEEP_INTERVAL_MS: '300' });
    u = await registerOwner(t, 'chattools');
    await allowSelfApproval(t.baseUrl, u.auth);
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
    conv = (await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'manual' }).expect(201)).body
      .id;
  });
  afterAll(async () => {
    await t.close();
    await kube.close();
  });

  it('a read tool runs at once: 200 completed with result, usage_ms and a stored tool message', async () => {
    const res = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(u.auth)
      .send({ tool: 'prod-cluster.list_pods', arguments: { namespace: 'prod' } })
      .expect(200);
    expect(res.body).toMatchObject({
      status: 'completed',
      tool_call_id: expect.stringMatching(/^tc_/),
      usage_ms: expect.any(Number),
    });
    expect(res.body.result.items.map((p: any) => p.name)).toContain('worker-5c6b7d8e9f-klmno');
    const polled = await t
      .http()
      .get(`/api/v1/chat/conversations/${conv}/tool-calls/${res.body.tool_call_id}`)
      .set(u.auth)
      .expect(200);
    expect(polled.body).toMatchObject({ status: 'completed', tool_call_id: res.body.tool_call_id });
    const msgs = await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(u.auth).expect(200);
    expect(
      msgs.body.items.find((m: any) => m.role === 'tool' && m.tool_call_id === res.body.tool_call_id),
    ).toBeTruthy();
    // the gate decision is audited and linked from the call
    expect(res.body.policy).toMatchObject({ decision: 'allow', audit_id: expect.any(String) });
    const entry = await t.http().get(`/api/v1/activity/audit/${res.body.policy.audit_id}`).set(u.auth).expect(200);
    expect(entry.body).toMatchObject({
      category: 'policy',
      action: 'chat.tool.execute',
      result: 'success',
      details: { decision: 'allow' },
    });
    // connector + bare tool name (spec shape) works too
    await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(u.auth)
      .send({ connector: 'kubernetes', tool: 'list_namespaces', args: {} })
      .expect(200);
  });

  it('unknown tool → 404, invalid arguments → 400 invalid_arguments', async () => {
    const nf = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(u.auth)
      .send({ tool: 'prod-cluster.nope', arguments: {} })
      .expect(404);
    expect(nf.body.error.code).toBe('tool_not_found');
    const bad = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(u.auth)
      .send({ tool: 'prod-cluster.get_pod', arguments: { namespace: 'prod' } })
      .expect(400);
    expect(bad.body.error.code).toBe('invalid_arguments');
  });

  it('a destructive tool answers 202 pending_approval; it executes once when approved and is pollable until completed', async () => {
    const before = kube.requests.length;
    const res = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(u.auth)
      .send({ tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: 'web-7d9f8b6c5d-abcde' } })
      .expect(202);
    expect(res.body).toMatchObject({
      status: 'pending_approval',
      approval_id: expect.any(String),
      tool_call_id: expect.any(String),
    });
    const pending = await t
      .http()
      .get(`/api/v1/chat/conversations/${conv}/tool-calls/${res.body.tool_call_id}`)
      .set(u.auth)
      .expect(200);
    expect(pending.body.status).toBe('pending_approval');
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(0);
    await t
      .http()
      .post(`/api/v1/chat/approvals/${res.body.approval_id}`)
      .set(u.auth)
      .send({ approved: true })
      .expect(200);
    const done = await eventually(async () => {
      const r = await t
        .http()
        .get(`/api/v1/chat/conversations/${conv}/tool-calls/${res.body.tool_call_id}`)
        .set(u.auth);
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(done.result).toBeDefined();
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(1);

    const denied = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(u.auth)
      .send({ tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: 'web-7d9f8b6c5d-fghij' } })
      .expect(202);
    await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/approvals/${denied.body.approval_id}`)
      .set(u.auth)
      .send({ approved: false, note: 'not today' })
      .expect(200);
    const d = await eventually(async () => {
      const r = await t
        .http()
        .get(`/api/v1/chat/conversations/${conv}/tool-calls/${denied.body.tool_call_id}`)
        .set(u.auth);
      return r.body.status === 'denied' ? r.body : undefined;
    });
    expect(d.error).toMatchObject({ code: 'policy_denied' });
    expect(d.error.message).toContain('not today');
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('inbound chat webhook: endpoint CRUD (secret shown once), 401 without/with a wrong secret, JSON reply from the same loop, thread → same conversation', async () => {
    const created = await t
      .http()
      .post('/api/v1/chat/incoming-endpoints')
      .set(u.auth)
      .send({ name: 'webchat' })
      .expect(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      name: 'webchat',
      secret: expect.stringMatching(/^cis_/),
      enabled: true,
    });
    const listed = await t.http().get('/api/v1/chat/incoming-endpoints').set(u.auth).expect(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].secret).toBeUndefined();
    const id = created.body.id;

    const none = await api(t.baseUrl, 'POST', `/chat/incoming/${id}`, {}, { text: 'hi' });
    expect(none.status).toBe(401);
    const wrong = await api(
      t.baseUrl,
      'POST',
      `/chat/incoming/${id}`,
      { 'X-Agentcy-Secret': 'cis_wrong' },
      { text: 'hi' },
    );
    expect(wrong.status).toBe(401);

    const r1 = await api(
      t.baseUrl,
      'POST',
      `/chat/incoming/${id}`,
      { 'X-Agentcy-Secret': created.body.secret },
      { from: 'visitor-1', text: 'list my kubernetes pods', thread: 't-9' },
    );
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ conversation_id: expect.any(String), message: { content: expect.any(String) } });
    expect(r1.body.message.content.length).toBeGreaterThan(0);
    expect(r1.body.tool_calls.map((c: any) => c.name)).toContain('execute_connector_tool');
    expect(r1.body.tool_calls.find((c: any) => c.name === 'execute_connector_tool')).toMatchObject({
      tool: 'kubernetes.list_pods',
      status: 'completed',
    });
    const r2 = await api(
      t.baseUrl,
      'POST',
      `/chat/incoming/${id}?secret=${encodeURIComponent(created.body.secret)}`,
      {},
      { text: 'list my kubernetes pods again', thread: 't-9' },
    );
    expect(r2.status).toBe(200);
    expect(r2.body.conversation_id).toBe(r1.body.conversation_id);

    const rotated = await t.http().post(`/api/v1/chat/incoming-endpoints/${id}/rotate-secret`).set(u.auth).expect(200);
    expect(
      (
        await api(
          t.baseUrl,
          'POST',
          `/chat/incoming/${id}`,
          { 'X-Agentcy-Secret': created.body.secret },
          { text: 'hi' },
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await api(
          t.baseUrl,
          'POST',
          `/chat/incoming/${id}`,
          { 'X-Agentcy-Secret': rotated.body.secret },
          { text: 'hi' },
        )
      ).status,
    ).toBe(200);
    await t.http().delete(`/api/v1/chat/incoming-endpoints/${id}`).set(u.auth).expect(204);
    expect(
      (
        await api(
          t.baseUrl,
          'POST',
          `/chat/incoming/${id}`,
          { 'X-Agentcy-Secret': rotated.body.secret },
          { text: 'hi' },
        )
      ).status,
    ).toBe(401);
  });

  it('agent runs: POST /agents/:id/run returns a run to poll; stream=true streams like chat', async () => {
    const run = await t
      .http()
      .post('/api/v1/agents/default/run')
      .set(u.auth)
      .send({ input: 'list my kubernetes pods' })
      .expect(202);
    expect(run.body).toMatchObject({
      run_id: expect.any(String),
      status: 'running',
      conversation_id: expect.any(String),
    });
    const done = await eventually(async () => {
      const r = await t.http().get(`/api/v1/agents/default/runs/${run.body.run_id}`).set(u.auth).expect(200);
      return r.body.status !== 'running' ? r.body : undefined;
    });
    expect(done).toMatchObject({ run_id: run.body.run_id, status: 'completed', finish_reason: 'end_turn' });
    expect(done.output.length).toBeGreaterThan(0);
    expect(done.tool_calls.map((c: any) => c.tool)).toContain('kubernetes.list_pods');

    const s = await openSse(`${t.baseUrl}/api/v1/agents/default/run`, {
      headers: u.auth,
      body: { input: 'list my kubernetes pods', stream: true },
    });
    expect(s.status).toBe(200);
    await s.done;
    const seq = names(s.events);
    expect(seq[0]).toBe('message_start');
    expect(seq).toContain('tool_result');
    expect(seq[seq.length - 1]).toBe('message_end');
    await t.http().post('/api/v1/agents/no-such-agent/run').set(u.auth).send({ input: 'x' }).expect(404);
    const other = await registerOwner(t, 'chattoolsother');
    await t.http().get(`/api/v1/agents/default/runs/${run.body.run_id}`).set(other.auth).expect(404);
  });

  it('an approved call runs on the source it was requested for, even after tool names change', async () => {
    const o = await registerOwner(t, 'chatrename');
    await allowSelfApproval(t.baseUrl, o.auth);
    await createKubeSource(t.baseUrl, o.auth, kube, 'prod');
    const c = (await t.http().post('/api/v1/chat/conversations').set(o.auth).send({ title: 'rename' }).expect(201)).body
      .id;
    const req = await t
      .http()
      .post(`/api/v1/chat/conversations/${c}/tool-calls`)
      .set(o.auth)
      .send({ tool: 'kubernetes.delete_pod', arguments: { namespace: 'prod', name: 'web-7d9f8b6c5d-fghij' } })
      .expect(202);
    // a second cluster renames the tools to prod.delete_pod / staging.delete_pod
    await createKubeSource(t.baseUrl, o.auth, kube, 'staging');
    await t
      .http()
      .post(`/api/v1/chat/approvals/${req.body.approval_id}`)
      .set(o.auth)
      .send({ approved: true })
      .expect(200);
    const done = await eventually(async () => {
      const r = await t.http().get(`/api/v1/chat/conversations/${c}/tool-calls/${req.body.tool_call_id}`).set(o.auth);
      return r.body.status !== 'pending_approval' && r.body.status !== 'running' ? r.body : undefined;
    });
    expect(done).toMatchObject({ status: 'completed' }); // the pod still exists: an earlier test denied its deletion
  });

  it('a call that fits several sources goes to source_id, else the conversation realm, else the first created', async () => {
    const o = await registerOwner(t, 'chatroute');
    const prod = await createKubeSource(t.baseUrl, o.auth, kube, 'prod'); // realm infrastructure
    const staging = await t
      .http()
      .post('/api/v1/sources')
      .set(o.auth)
      .send({
        name: 'staging',
        source_type: 'kubernetes',
        realm: 'development',
        config: { server: kube.url, token: kube.token },
      })
      .expect(201);
    const conv = async (realm?: string) =>
      (await t.http().post('/api/v1/chat/conversations').set(o.auth).send({ title: 'route', realm }).expect(201)).body
        .id;
    const call = async (c: string, body: Record<string, unknown>) =>
      (await t.http().post(`/api/v1/chat/conversations/${c}/tool-calls`).set(o.auth).send(body).expect(200)).body;
    const plain = { connector: 'kubernetes', tool: 'list_pods', args: { namespace: 'prod' } };

    expect(await call(await conv(), plain)).toMatchObject({ status: 'completed', tool: 'prod.list_pods' });
    expect(await call(await conv('development'), plain)).toMatchObject({
      status: 'completed',
      tool: 'staging.list_pods',
    });
    const picked = await call(await conv(), { ...plain, args: { namespace: 'prod', source_id: staging.body.id } });
    expect(picked).toMatchObject({ status: 'completed', tool: 'staging.list_pods' });
    const top = await call(await conv('development'), { ...plain, source_id: prod.id });
    expect(top).toMatchObject({ status: 'completed', tool: 'prod.list_pods' });
  });
});
