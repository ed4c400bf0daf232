import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';

/**
 * `/chat/incoming/:endpoint_id` routed by `/bindings` (match_rule.channel = incoming): the first
 * matching enabled binding picks the agent; bindings targeting the endpoint but none matching → 202
 * `routed: false`; no binding targeting it → the endpoint's own agent, as before.
 */
describe('bindings for /chat/incoming endpoints', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let owner: TestUser;
  const http = () => t.http();

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Answer from the agent.' });
    t = await startTestApp({ ...fake.apiEnv });
    owner = await registerOwner(t, 'inb');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  const endpoint = async (u: TestUser, name: string) =>
    (await http().post('/api/v1/chat/incoming-endpoints').set(u.auth).send({ name }).expect(201)).body as {
      id: string;
      secret: string;
    };
  const send = (e: { id: string; secret: string }, body: Record<string, unknown>, secret = e.secret) =>
    http().post(`/api/v1/chat/incoming/${e.id}`).set('X-Agentcy-Secret', secret).send(body);
  const sawPrompt = (marker: string) => fake.requests.some((r) => JSON.stringify(r.body).includes(marker));

  it('the first matching binding picks the agent; unmatched → 202 routed false; unbound endpoint keeps its agent', async () => {
    await http()
      .post('/api/v1/agents')
      .set(owner.auth)
      .send({ name: 'vip-helper', system_prompt: 'MARKER-VIP-HELPER you help VIP visitors.' })
      .expect(201);
    const a = await endpoint(owner, 'webchat A');
    const b = await endpoint(owner, 'webchat B');

    // no binding yet: the endpoint agent answers (existing behaviour)
    const legacy = await send(a, { from: 'vip-1', text: 'hello before bindings', thread: 'L1' }).expect(200);
    expect(legacy.body.reply).toBe('Answer from the agent.');
    expect(legacy.body.binding_id).toBeUndefined();

    const bind = await http()
      .post('/api/v1/bindings')
      .set(owner.auth)
      .send({ agent: 'vip-helper', match_rule: { channel: 'incoming', endpoint: a.id, from: 'vip-*' } })
      .expect(201);
    expect(bind.body.match_rule).toEqual({ channel: 'incoming', endpoint: a.id, from: 'vip-*' });

    const vip = await send(a, { from: 'vip-7', text: 'vip question', thread: 'T1' }).expect(200);
    expect(vip.body).toMatchObject({ reply: 'Answer from the agent.', binding_id: bind.body.id });
    expect(sawPrompt('MARKER-VIP-HELPER')).toBe(true);
    const conv = await http().get(`/api/v1/chat/conversations/${vip.body.conversation_id}`).set(owner.auth).expect(200);
    expect(JSON.stringify(conv.body)).toContain('vip-helper');
    // same thread, same binding: the conversation continues
    const again = await send(a, { from: 'vip-7', text: 'and more', thread: 'T1' }).expect(200);
    expect(again.body.conversation_id).toBe(vip.body.conversation_id);

    // a binding targets A, none matches this sender: logged and dropped, no model call
    const calls = fake.requests.length;
    const dropped = await send(a, { from: 'visitor-2', text: 'who answers?' }).expect(202);
    expect(dropped.body).toEqual({ accepted: true, routed: false });
    expect(fake.requests.length).toBe(calls);

    // B is not targeted: its own agent still answers
    const other = await send(b, { from: 'visitor-3', text: 'hello B' }).expect(200);
    expect(other.body.binding_id).toBeUndefined();

    // an org-wide incoming binding (no endpoint) placed first routes every endpoint
    const all = await http()
      .post('/api/v1/bindings')
      .set(owner.auth)
      .send({ agent: 'default', match_rule: { channel: 'incoming', text_regex: '^urgent' }, position: 0 })
      .expect(201);
    const urgent = await send(b, { from: 'x', text: 'urgent: printer on fire' }).expect(200);
    expect(urgent.body.binding_id).toBe(all.body.id);
    const notUrgent = await send(b, { from: 'x', text: 'calm' }).expect(202);
    expect(notUrgent.body).toEqual({ accepted: true, routed: false });

    // disabling the bindings gives the endpoints their own agent back
    await http().patch(`/api/v1/bindings/${all.body.id}`).set(owner.auth).send({ enabled: false }).expect(200);
    await http().patch(`/api/v1/bindings/${bind.body.id}`).set(owner.auth).send({ enabled: false }).expect(200);
    const back = await send(a, { from: 'visitor-2', text: 'anyone?' }).expect(200);
    expect(back.body.binding_id).toBeUndefined();
  });

  it('secrets are still checked; bindings validate the endpoint key', async () => {
    const e = await endpoint(owner, 'webchat C');
    await send(e, { text: 'hi' }, 'cis_wrong').expect(401);
    await http()
      .post('/api/v1/chat/incoming/00000000-0000-4000-8000-000000000000')
      .set('X-Agentcy-Secret', e.secret)
      .send({ text: 'hi' })
      .expect(401);
    await http()
      .post('/api/v1/bindings')
      .set(owner.auth)
      .send({ agent: 'default', match_rule: { channel: 'slack', endpoint: e.id } })
      .expect(400);
    await http()
      .post('/api/v1/bindings')
      .set(owner.auth)
      .send({ agent: 'default', match_rule: { channel: 'incoming', endpoint: '../../etc' } })
      .expect(400);
  });

  it("another org's binding naming my endpoint changes nothing for me", async () => {
    const mine = await registerOwner(t, 'inb-mine');
    const e = await endpoint(mine, 'mine');
    const intruder = await registerOwner(t, 'inb-x');
    const evil = await http()
      .post('/api/v1/bindings')
      .set(intruder.auth)
      .send({ agent: 'default', match_rule: { channel: 'incoming', endpoint: e.id, from: 'nobody' } })
      .expect(201);
    // were it applied, "visitor" would not match and the message would be dropped
    const r = await send(e, { from: 'visitor', text: 'still answered?' }).expect(200);
    expect(r.body.binding_id).toBeUndefined();
    await http().get(`/api/v1/bindings/${evil.body.id}`).set(mine.auth).expect(404);
    await http().delete(`/api/v1/bindings/${evil.body.id}`).set(mine.auth).expect(404);
  });
});
