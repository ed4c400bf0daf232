import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { startFakeWhatsappGateway, type FakeWhatsappGateway } from '../support/fake-whatsapp-gateway';
import { eventually } from './chat-helpers';

/**
 * WhatsApp through the gateway sidecar (docs/channels.md "WhatsApp gateway contract"), on the real
 * services: test/support/fake-whatsapp-gateway.ts plays the gateway and the phone; the model is the
 * fake OpenAI server.
 */
describe('channels: WhatsApp gateway, QR pairing and inbound messages', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let gw: FakeWhatsappGateway;
  let owner: TestUser;
  const http = () => t.http();
  const eventsUrl = (channelId: string) => `${t.baseUrl}/api/v1/channels/whatsapp/${channelId}/events`;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Answer from the agent.' });
    gw = await startFakeWhatsappGateway();
    t = await startTestApp({ ...fake.apiEnv, ...gw.apiEnv });
    owner = await registerOwner(t, 'wa');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await gw?.close();
  });

  const pair = async (u: TestUser, phone: string): Promise<string> => {
    const start = await http().post('/api/v1/channels/whatsapp/qr/start').set(u.auth).send({}).expect(200);
    gw.pair(start.body.session_id, phone);
    const st = await http()
      .get(`/api/v1/channels/whatsapp/qr/status?session_id=${start.body.session_id}`)
      .set(u.auth)
      .expect(200);
    expect(st.body).toEqual({ status: 'connected', phone });
    return (await http().get('/api/v1/channels/whatsapp').set(u.auth).expect(200)).body.id as string;
  };

  it('QR pairing: QR payload, pending, connected; the channel becomes active', async () => {
    const cfg = await http()
      .post('/api/v1/channels/whatsapp/configure')
      .set(owner.auth)
      .send({ fields: { display_name: 'Ops Assistant' } })
      .expect(200);
    expect(cfg.body).toMatchObject({ name: 'whatsapp', feature_enabled: true, configured: true, active: false });

    const start = await http().post('/api/v1/channels/whatsapp/qr/start').set(owner.auth).send({}).expect(200);
    expect(start.body.session_id).toMatch(/^qr_[0-9a-f]{32}$/);
    expect(start.body.qr_data_url).toMatch(/^data:image\/png;base64,/);
    expect(start.body.qr).toBe(`2@fake-qr,${start.body.session_id}`);
    expect(start.body.expires_in).toBe(60);
    const session = gw.sessions.get(start.body.session_id)!;
    expect(session).toMatchObject({ account: cfg.body.id, display_name: 'Ops Assistant' });
    expect(session.webhook_url).toMatch(new RegExp(`/api/v1/channels/whatsapp/${cfg.body.id}/events$`));
    expect(gw.calls.find((c) => c.path === '/sessions')?.auth).toBe(`Bearer ${gw.token}`);

    const status = (id: string) =>
      http().get(`/api/v1/channels/whatsapp/qr/status?session_id=${id}`).set(owner.auth).expect(200);
    expect((await status(start.body.session_id)).body).toEqual({ status: 'pending' });
    gw.pair(start.body.session_id, '+15550100999');
    expect((await status(start.body.session_id)).body).toEqual({ status: 'connected', phone: '+15550100999' });
    const item = await http().get('/api/v1/channels/whatsapp').set(owner.auth).expect(200);
    expect(item.body).toMatchObject({ configured: true, active: true });
    expect(item.body.inbound_url).toContain(`/api/v1/channels/whatsapp/${cfg.body.id}/events`);
    const test = await http().post('/api/v1/channels/whatsapp/test').set(owner.auth).send({ to: '+15550100200' });
    expect(test.body).toMatchObject({ status: 'ok', details: { phone: '+15550100999' } });
    expect(gw.sent.find((m) => m.to === '+15550100200')?.text).toBe('Agentcy test message');
  });

  it('a new session cancels the pending one; expired sessions say so', async () => {
    const u = await registerOwner(t, 'wa-exp');
    const a = await http().post('/api/v1/channels/whatsapp/qr/start').set(u.auth).send({}).expect(200);
    const b = await http().post('/api/v1/channels/whatsapp/qr/start').set(u.auth).send({}).expect(200);
    const status = (id: string) =>
      http().get(`/api/v1/channels/whatsapp/qr/status?session_id=${id}`).set(u.auth).expect(200);
    expect((await status(a.body.session_id)).body).toEqual({ status: 'expired' });
    expect(gw.calls.some((c) => c.method === 'DELETE' && c.path === `/sessions/${a.body.session_id}`)).toBe(true);
    expect((await status(b.body.session_id)).body).toEqual({ status: 'pending' });
    gw.expire(b.body.session_id);
    expect((await status(b.body.session_id)).body).toEqual({ status: 'expired' });
    const item = await http().get('/api/v1/channels/whatsapp').set(u.auth).expect(200);
    expect(item.body.active).toBe(false);
  });

  it("another org's pairing session is 404; members cannot pair", async () => {
    const u = await registerOwner(t, 'wa-a');
    const start = await http().post('/api/v1/channels/whatsapp/qr/start').set(u.auth).send({}).expect(200);
    const intruder = await registerOwner(t, 'wa-b');
    await http()
      .get(`/api/v1/channels/whatsapp/qr/status?session_id=${start.body.session_id}`)
      .set(intruder.auth)
      .expect(404);
    await http().get('/api/v1/channels/whatsapp/qr/status?session_id=qr_nope').set(u.auth).expect(404);
    await http().post('/api/v1/channels/whatsapp/unpair').set(intruder.auth).send({}).expect(404);
    const member = await addMember(t, u, 'member', 'wa-m');
    await http().post('/api/v1/channels/whatsapp/qr/start').set(member.auth).send({}).expect(403);
    await http()
      .get(`/api/v1/channels/whatsapp/qr/status?session_id=${start.body.session_id}`)
      .set(member.auth)
      .expect(403);
  });

  it('an inbound message reaches the bound agent and the answer goes back through the gateway', async () => {
    const u = await registerOwner(t, 'wa-in');
    const channelId = await pair(u, '+15550100777');
    const b = await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'default', match_rule: { channel: 'whatsapp', from: '+1555*', to: '+15550100777' } })
      .expect(201);
    const msg = { type: 'message', id: 'WAM1', from: '+15550100200', to: '+15550100777', chat: '+15550100200' };
    const res = await gw.deliver(channelId, { ...msg, text: 'hello from whatsapp' }, { url: eventsUrl(channelId) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: true, routed: true, binding_id: b.body.id });
    const sent = await eventually(async () => gw.sent.find((m) => m.account === channelId && m.quoted_id === 'WAM1'));
    expect(sent).toMatchObject({ to: '+15550100200', text: 'Answer from the agent.' });
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes('hello from whatsapp'))).toBe(true);

    // the gateway redelivers: the same message id runs once
    const again = await gw.deliver(channelId, { ...msg, text: 'hello from whatsapp' }, { url: eventsUrl(channelId) });
    expect(again.body).toEqual({ accepted: true, routed: false, duplicate: true });
    // the next message of the chat continues the conversation
    const next = await gw.deliver(channelId, { ...msg, id: 'WAM2', text: 'more' }, { url: eventsUrl(channelId) });
    expect(next.body.conversation_id).toBe(res.body.conversation_id);
    // a group message does not match `from: +1555*`… it does; but another sender does not
    const other = await gw.deliver(
      channelId,
      { ...msg, id: 'WAM3', from: '+4420000000', chat: '+4420000000', text: 'hi' },
      { url: eventsUrl(channelId) },
    );
    expect(other.body).toEqual({ accepted: true, routed: false });
  });

  it('refuses forged and stale gateway events; unknown channel 404; unpair and logged_out deactivate', async () => {
    const u = await registerOwner(t, 'wa-sec');
    const channelId = await pair(u, '+15550100888');
    await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'default', match_rule: { channel: 'whatsapp' } })
      .expect(201);
    const msg = { type: 'message', id: 'SEC1', from: '+15550100200', chat: '+15550100200', text: 'hi' };
    const forged = await gw.deliver(channelId, msg, { url: eventsUrl(channelId), secret: 'not-the-secret' });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('invalid_signature');
    const stale = await gw.deliver(channelId, msg, {
      url: eventsUrl(channelId),
      ts: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    const unsigned = await fetch(eventsUrl(channelId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(msg),
    });
    expect(unsigned.status).toBe(401);
    const ghost = 'chn_00000000000000000000000000000000';
    expect((await gw.deliver(ghost, msg, { url: eventsUrl(ghost) })).status).toBe(404);
    expect(gw.sent.some((m) => m.account === channelId)).toBe(false);

    const un = await http().post('/api/v1/channels/whatsapp/unpair').set(u.auth).send({}).expect(200);
    expect(un.body).toEqual({ status: 'unpaired' });
    expect(gw.unpaired).toContain(channelId);
    const item = await http().get('/api/v1/channels/whatsapp').set(u.auth).expect(200);
    expect(item.body).toMatchObject({ configured: true, active: false });
    expect((await gw.deliver(channelId, { ...msg, id: 'SEC2' }, { url: eventsUrl(channelId) })).status).toBe(404);

    // the gateway reports the device back, then logged out from the phone
    const up = await gw.deliver(
      channelId,
      { type: 'connection', status: 'connected', phone: '+15550100888' },
      { url: eventsUrl(channelId) },
    );
    expect(up.status).toBe(200);
    expect((await http().get('/api/v1/channels/whatsapp').set(u.auth).expect(200)).body.active).toBe(true);
    // a lifecycle task listening to channel.disconnected fires once the device logs out
    const task = await http()
      .post('/api/v1/tasks')
      .set(u.auth)
      .send({ name: 'on-disconnect', trigger: { kind: 'lifecycle', event: 'channel.disconnected' } })
      .expect(201);
    await gw.deliver(channelId, { type: 'connection', status: 'logged_out' }, { url: eventsUrl(channelId) });
    const down = await http().get('/api/v1/channels/whatsapp').set(u.auth).expect(200);
    expect(down.body).toMatchObject({ active: false, last_error: 'WhatsApp device logged out' });
    const run = await eventually(async () => {
      const runs = await http().get(`/api/v1/tasks/${task.body.id}/runs`).set(u.auth).expect(200);
      return runs.body.items[0];
    });
    expect(run.trigger).toMatchObject({
      kind: 'lifecycle',
      event: 'channel.disconnected',
      data: { channel_id: channelId, type: 'whatsapp', reason: 'logged_out' },
    });
  });
});
