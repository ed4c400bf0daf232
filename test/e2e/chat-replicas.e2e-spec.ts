import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { spawnApiProcess, SpawnedApi } from '../support/spawn-api';
import { allowSelfApproval, api, createKubeSource, eventually, names, openSse, withFakeKube } from './chat-helpers';

const POD = 'web-7d9f8b6c5d-fghij';
const deletePod = (name: string) => ({
  toolCalls: [
    {
      name: 'execute_connector_tool',
      arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name } },
    },
  ],
});

/**
 * Two API processes on one PostgreSQL + Redis: this jest process (in-process app) and a child
 * process. Decisions, re-attach and recovery must work whichever replica runs the turn.
 */
describe('chat across replicas: decide on another process, disconnect + re-attach, kill during a pending approval', () => {
  let t: TestApp;
  let child: SpawnedApi;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let u: TestUser;
  const env = () => ({
    ...fake.apiEnv,
    SSE_PING_INTERVAL_MS: '300',
    CHAT_APPROVAL_POLL_MS: '200',
    CHAT_SWEEP_INTERVAL_MS: '300',
    CHAT_INSTANCE_TTL_MS: '1500',
  });

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp(env());
    child = await spawnApiProcess({ MIGRATIONS_RUN: 'false', ...env() });
    u = await registerOwner(t, 'chatrep');
    await allowSelfApproval(t.baseUrl, u.auth);
    await createKubeSource(t.baseUrl, u.auth, kube, 'prod-cluster');
  }, 120_000);
  afterAll(async () => {
    await child?.kill(0);
    await t?.close();
    await fake?.close();
    await kube?.close();
  });
  beforeEach(() => fake.reset());

  const newConversation = async () =>
    (await t.http().post('/api/v1/chat/conversations').set(u.auth).send({ title: 'replicas' }).expect(201)).body
      .id as string;

  it('a turn on replica A waits for an approval decided on replica B; B re-attaches (XREAD) and sees the same events', async () => {
    fake.script(deletePod('web-7d9f8b6c5d-abcde'), { text: 'Deleted.' });
    const conv = await newConversation();
    const a = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: u.auth,
      body: { content: 'delete the pod' },
    });
    const req = await a.waitFor((e) => e.event === 'approval_required');

    const b = await openSse(`${child.baseUrl}/api/v1/chat/conversations/${conv}/stream`, {
      headers: { ...u.auth, 'Last-Event-ID': '0' },
    });
    expect(b.status).toBe(200);
    expect(b.headers.get('content-type')).toContain('text/event-stream');
    const replayed = await b.waitFor((e) => e.event === 'approval_required');
    expect(replayed.id).toBe(req.id);
    expect(replayed.data.approval_id).toBe(req.data.approval_id);

    const decided = await api(child.baseUrl, 'POST', `/chat/approvals/${req.data.approval_id}`, u.auth, {
      approved: true,
    });
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe('approved');

    await a.done;
    await b.done;
    expect(a.events[a.events.length - 1].data.finish_reason).toBe('end_turn');
    const strip = (evs: typeof a.events) => evs.filter((e) => e.event !== 'ping').map((e) => `${e.id}:${e.event}`);
    expect(strip(b.events)).toEqual(strip(a.events));
    expect(a.events.find((e) => e.event === 'tool_result')!.data.status).toBe('completed');
  });

  it('a client that disconnects does not lose the turn; re-attach with Last-Event-ID gets the rest, later a full replay', async () => {
    fake.script({ text: ['The ', 'answer ', 'arrives ', 'slowly ', 'in ', 'parts.'], chunkDelayMs: 250 });
    const conv = await newConversation();
    const first = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: u.auth,
      body: { content: 'tell me slowly' },
    });
    const startEv = await first.waitFor((e) => e.event === 'message_start');
    first.abort();

    const again = await openSse(`${child.baseUrl}/api/v1/chat/conversations/${conv}/stream`, {
      headers: { ...u.auth, 'Last-Event-ID': String(startEv.id) },
    });
    await again.done;
    const seq = names(again.events);
    expect(seq[0]).toBe('content_delta');
    expect(seq[seq.length - 1]).toBe('message_end');
    expect(again.events.every((e) => Number(e.id) > Number(startEv.id))).toBe(true);
    expect(
      again.events
        .filter((e) => e.event === 'content_delta')
        .map((e) => e.data.delta)
        .join(''),
    ).toBe('The answer arrives slowly in parts.');

    const msgs = await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(u.auth).expect(200);
    expect(msgs.body.items[1]).toMatchObject({
      role: 'assistant',
      content: 'The answer arrives slowly in parts.',
      finish_reason: 'end_turn',
      id: startEv.data.message_id,
    });

    const replay = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/stream`, { headers: u.auth });
    await replay.done;
    expect(names(replay.events)[0]).toBe('message_start');
    expect(names(replay.events).pop()).toBe('message_end');
  });

  it('the API process dies while a turn waits for an approval: the approval stays decidable, the survivor adopts the turn, runs the approved call once and stores it as interrupted', async () => {
    fake.script(deletePod(POD));
    const conv = await newConversation();
    const before = kube.requests.length;
    const s = await openSse(`${child.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: u.auth,
      body: { content: 'delete the pod' },
    });
    const req = await s.waitFor((e) => e.event === 'approval_required');
    child.signal('SIGKILL');
    await child.exited;
    s.abort();

    const detail = await t.http().get(`/api/v1/chat/conversations/${conv}`).set(u.auth).expect(200);
    expect(detail.body.pending_approvals.map((a: any) => a.id)).toEqual([req.data.approval_id]);
    const ok = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/approvals/${req.data.approval_id}`)
      .set(u.auth)
      .send({ approved: true })
      .expect(200);
    expect(ok.body.status).toBe('approved');

    const assistant = await eventually(
      async () => {
        const msgs = await t.http().get(`/api/v1/chat/conversations/${conv}/messages`).set(u.auth);
        return msgs.body.items.find((m: any) => m.role === 'assistant');
      },
      30_000,
      200,
    );
    expect(assistant).toMatchObject({
      id: s.events[0].data.message_id,
      finish_reason: 'interrupted',
      tool_calls: [expect.objectContaining({ tool_call_id: req.data.tool_call_id, status: 'completed' })],
    });
    expect(kube.requests.slice(before).filter((r) => r.method === 'DELETE' && r.path.includes(POD))).toHaveLength(1);
    const tc = await t
      .http()
      .get(`/api/v1/chat/conversations/${conv}/tool-calls/${req.data.tool_call_id}`)
      .set(u.auth)
      .expect(200);
    expect(tc.body).toMatchObject({ status: 'completed', approval_id: req.data.approval_id });

    // re-attach after the fact: the stored stream ends with the recovered result
    const replay = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/stream`, { headers: u.auth });
    await replay.done;
    expect(replay.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({
      tool_call_id: req.data.tool_call_id,
      status: 'completed',
    });
    expect(replay.events[replay.events.length - 1]).toMatchObject({
      event: 'message_end',
      data: { finish_reason: 'interrupted' },
    });

    // and the conversation accepts a new turn
    fake.script({ text: 'Back online.' });
    const next = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: u.auth,
      body: { content: 'status?' },
    });
    await next.done;
    expect(next.events[next.events.length - 1].data.finish_reason).toBe('end_turn');
  }, 60_000);
});
