import { randomUUID } from 'node:crypto';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { createKubeSource, names, openSse, withFakeKube } from './chat-helpers';

describe('chat: conversations, offline quick start, SSE framing', () => {
  let t: TestApp;
  let kube: FakeKubeApi;
  beforeAll(async () => {
    kube = await withFakeKube();
    t = await startTestApp({ LLM_PROVIDER: 'offline', SSE_PING_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await t.close();
    await kube.close();
  });

  it('creates (201, idempotent), lists newest first with archived filter, gets, renames, archives, deletes', async () => {
    const u = await registerOwner(t, 'chatcrud');
    const key = randomUUID();
    const a = await t
      .http()
      .post('/api/v1/chat/conversations')
      .set(u.auth)
      .set('Idempotency-Key', key)
      .send({ title: 'prod triage' })
      .expect(201);
    expect(a.body).toMatchObject({
      id: expect.any(String),
      title: 'prod triage',
      agent: 'default',
      archived: false,
      last_message_at: null,
      created_by: u.userId,
    });
    const again = await t
      .http()
      .post('/api/v1/chat/conversations')
      .set(u.auth)
      .set('Idempotency-Key', key)
      .send({ title: 'prod triage' })
      .expect(201);
    expect(again.body.id).toBe(a.body.id);
    const b = await t.http().post('/api/v1/chat/conversations').set(u.auth).send({}).expect(201);
    expect(b.body.title).toBe('New conversation');

    const list = await t.http().get('/api/v1/chat/conversations').set(u.auth).expect(200);
    expect(list.body.total).toBe(2);
    expect(list.body.items.map((c: any) => c.id)).toEqual([b.body.id, a.body.id]);
    expect(list.body.next_cursor).toBeNull();
    const page1 = await t.http().get('/api/v1/chat/conversations?limit=1').set(u.auth).expect(200);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await t
      .http()
      .get(`/api/v1/chat/conversations?limit=1&cursor=${encodeURIComponent(page1.body.next_cursor)}`)
      .set(u.auth)
      .expect(200);
    expect(page2.body.items[0].id).toBe(a.body.id);

    const renamed = await t
      .http()
      .patch(`/api/v1/chat/conversations/${a.body.id}`)
      .set(u.auth)
      .send({ title: 'renamed', archived: true })
      .expect(200);
    expect(renamed.body).toMatchObject({ title: 'renamed', archived: true });
    const archived = await t.http().get('/api/v1/chat/conversations?archived=true').set(u.auth).expect(200);
    expect(archived.body.items.map((c: any) => c.id)).toEqual([a.body.id]);
    const live = await t.http().get('/api/v1/chat/conversations?archived=false').set(u.auth).expect(200);
    expect(live.body.items.map((c: any) => c.id)).toEqual([b.body.id]);

    const got = await t.http().get(`/api/v1/chat/conversations/${a.body.id}`).set(u.auth).expect(200);
    expect(got.body.pending_approvals).toEqual([]);

    await t.http().delete(`/api/v1/chat/conversations/${a.body.id}`).set(u.auth).expect(204);
    await t.http().get(`/api/v1/chat/conversations/${a.body.id}`).set(u.auth).expect(404);
  });

  it('is tenant-isolated (404) and validates input (400)', async () => {
    const u = await registerOwner(t, 'chatiso');
    const other = await registerOwner(t, 'chatother');
    const c = await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'mine' }).expect(201);
    await t.http().get(`/api/v1/chat/conversations/${c.body.id}`).set(other.auth).expect(404);
    await t.http().get(`/api/v1/chat/conversations/${c.body.id}/messages`).set(other.auth).expect(404);
    const bad = await t
      .http()
      .post(`/api/v1/chat/conversations/${c.body.id}/messages`)
      .set(u.auth)
      .send({ content: '   ' })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'x', bogus: 1 }).expect(400);
    await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ agent_id: 'no-such-agent' }).expect(404);
    const realmed = await t
      .http()
      .post('/api/v1/chat/conversations')
      .set(u.auth)
      .send({ realm: 'infrastructure' })
      .expect(201);
    expect(realmed.body.realm).toBe('infrastructure');
    const badRealm = await t
      .http()
      .post('/api/v1/chat/conversations')
      .set(u.auth)
      .send({ realm: 'no-such-realm' })
      .expect(400);
    expect(badRealm.body.error.code).toBe('validation_failed');
    await t.http().post(`/api/v1/chat/conversations/${c.body.id}/cancel`).set(u.auth).expect(409);
  });

  it('quick start with the offline provider: "list my kubernetes pods" → tool_call_start / tool_result / message_end, stored', async () => {
    const u: TestUser = await registerOwner(t, 'chatquick');
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
    const c = await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'hello' }).expect(201);
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${c.body.id}/messages`, {
      headers: u.auth,
      body: { content: 'list my kubernetes pods' },
    });
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toContain('text/event-stream');
    expect(s.headers.get('cache-control')).toBe('no-cache');
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    await s.done;
    const seq = names(s.events);
    expect(seq[0]).toBe('message_start');
    expect(seq[seq.length - 1]).toBe('message_end');
    expect(seq).toContain('tool_call_start');
    expect(seq).toContain('tool_result');
    // ids are a strictly increasing sequence
    const ids = s.events.map((e) => Number(e.id));
    expect(ids.every((id, i) => Number.isInteger(id) && (i === 0 || id > ids[i - 1]))).toBe(true);
    // every tool_call_start has exactly one tool_result
    const starts = s.events.filter((e) => e.event === 'tool_call_start');
    for (const st of starts) {
      expect(
        s.events.filter((e) => e.event === 'tool_result' && e.data.tool_call_id === st.data.tool_call_id),
      ).toHaveLength(1);
    }
    const exec = starts.find((e) => e.data.name === 'execute_connector_tool')!;
    expect(exec.data).toMatchObject({ connector: 'kubernetes', tool: 'kubernetes.list_pods' });
    const result = s.events.find((e) => e.event === 'tool_result' && e.data.tool_call_id === exec.data.tool_call_id)!;
    expect(result.data.status).toBe('completed');
    expect(JSON.stringify(result.data.result)).toContain('worker-5c6b7d8e9f-klmno');
    const end = s.events[s.events.length - 1];
    expect(end.data).toMatchObject({
      finish_reason: 'end_turn',
      usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number), tool_calls: starts.length },
    });
    const messageId = s.events[0].data.message_id;

    const msgs = await t.http().get(`/api/v1/chat/conversations/${c.body.id}/messages`).set(u.auth).expect(200);
    expect(msgs.body.items.map((m: any) => m.role)).toEqual(['user', 'assistant']);
    expect(msgs.body.items[0].content).toBe('list my kubernetes pods');
    const assistant = msgs.body.items[1];
    expect(assistant).toMatchObject({ id: messageId, finish_reason: 'end_turn' });
    expect(assistant.content).toBe(
      s.events
        .filter((e) => e.event === 'content_delta')
        .map((e) => e.data.delta)
        .join(''),
    );
    expect(assistant.tool_calls.map((tc: any) => tc.tool_call_id)).toEqual(starts.map((e) => e.data.tool_call_id));
    const desc = await t
      .http()
      .get(`/api/v1/chat/conversations/${c.body.id}/messages?order=desc`)
      .set(u.auth)
      .expect(200);
    expect(desc.body.items[0].role).toBe('assistant');
    const p1 = await t.http().get(`/api/v1/chat/conversations/${c.body.id}/messages?limit=1`).set(u.auth).expect(200);
    expect(p1.body).toMatchObject({
      total: 2,
      items: [expect.objectContaining({ role: 'user' })],
      next_cursor: expect.any(String),
    });
    const p2 = await t
      .http()
      .get(`/api/v1/chat/conversations/${c.body.id}/messages?limit=1&cursor=${encodeURIComponent(p1.body.next_cursor)}`)
      .set(u.auth)
      .expect(200);
    expect(p2.body).toMatchObject({
      items: [expect.objectContaining({ role: 'assistant', id: messageId })],
      next_cursor: null,
    });

    // after the turn, re-attaching replays it and ends
    const replay = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${c.body.id}/stream`, { headers: u.auth });
    await replay.done;
    expect(replay.events.map((e) => `${e.id}:${e.event}`)).toEqual(s.events.map((e) => `${e.id}:${e.event}`));

    // the executed tool call is stored and pollable
    const tc = await t
      .http()
      .get(`/api/v1/chat/conversations/${c.body.id}/tool-calls/${exec.data.tool_call_id}`)
      .set(u.auth)
      .expect(200);
    expect(tc.body).toMatchObject({
      tool_call_id: exec.data.tool_call_id,
      status: 'completed',
      tool: 'kubernetes.list_pods',
    });
  });

  it('catalog: lists the org tools (paginated) and ranks a search deterministically', async () => {
    const u = await registerOwner(t, 'chatcat');
    await createKubeSource(t.baseUrl, u.auth, kube, 'k8s-eu');
    const page = await t.http().get('/api/v1/chat/catalog?limit=3').set(u.auth).expect(200);
    const kubeTools = (await t.http().get('/api/v1/chat/catalog?limit=200').set(u.auth).expect(200)).body.items;
    expect(kubeTools.length).toBeGreaterThanOrEqual(10);
    expect(kubeTools.every((x: any) => x.connector === 'kubernetes' && x.qualified.startsWith('kubernetes.'))).toBe(
      true,
    );
    expect(page.body.total).toBe(kubeTools.length);
    const byRealm = async (realm: string) =>
      (await t.http().get(`/api/v1/chat/catalog?realm=${realm}`).set(u.auth).expect(200)).body.total;
    expect(await byRealm('infrastructure')).toBe(kubeTools.length);
    expect(await byRealm('development')).toBe(0);
    const none = await t.http().get('/api/v1/chat/catalog/search?q=delete%20pod&realm=development').set(u.auth);
    expect(none.body.tools).toEqual([]);
    expect(page.body.items).toHaveLength(3);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const rest = await t
      .http()
      .get(`/api/v1/chat/catalog?limit=50&cursor=${encodeURIComponent(page.body.next_cursor)}`)
      .set(u.auth)
      .expect(200);
    expect(rest.body.items).toHaveLength(kubeTools.length - 3);
    expect([...page.body.items, ...rest.body.items].map((x: any) => x.qualified)).toEqual(
      kubeTools.map((x: any) => x.qualified),
    );
    const s1 = await t.http().get('/api/v1/chat/catalog/search?q=delete%20a%20pod').set(u.auth).expect(200);
    expect(s1.body.tools[0].qualified).toBe('kubernetes.delete_pod');
    expect(s1.body.tools[0].score).toBe(1);
    const s2 = await t.http().get('/api/v1/chat/catalog/search?q=delete%20a%20pod').set(u.auth).expect(200);
    expect(s2.body.tools).toEqual(s1.body.tools);
    const logs = await t.http().get('/api/v1/chat/catalog/search?q=pod%20logs&top_k=2').set(u.auth).expect(200);
    expect(logs.body.tools).toHaveLength(2);
    expect(logs.body.tools[0].qualified).toBe('kubernetes.get_pod_logs');
    const one = await t.http().get('/api/v1/chat/catalog/kubernetes/tools/delete_pod').set(u.auth).expect(200);
    expect(one.body).toMatchObject({
      qualified: 'kubernetes.delete_pod',
      effect: 'destructive',
      requires_approval: true,
    });

    // a second cluster: tools are then qualified by source name; the bare connector type routes to the first created
    await createKubeSource(t.baseUrl, u.auth, kube, 'k8s-us');
    const both = (await t.http().get('/api/v1/chat/catalog?limit=200').set(u.auth).expect(200)).body.items;
    expect(both.filter((x: any) => x.tool === 'delete_pod').map((x: any) => x.qualified)).toEqual([
      'k8s-eu.delete_pod',
      'k8s-us.delete_pod',
    ]);
    const first = await t.http().get('/api/v1/chat/catalog/kubernetes/tools/delete_pod').set(u.auth).expect(200);
    expect(first.body.qualified).toBe('k8s-eu.delete_pod');
    const us = await t.http().get('/api/v1/chat/catalog/k8s-us/tools/delete_pod').set(u.auth).expect(200);
    expect(us.body).toMatchObject({ qualified: 'k8s-us.delete_pod', source: 'k8s-us' });
  });
});
