import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackSignature } from 'src/modules/channels/slack-signature';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { slackEvent as signedSlackEvent, startFakeSlack, type FakeSlack } from '../support/fake-slack';
import { startSmtp } from '../support/smtp-receiver';
import { eventually } from './chat-helpers';

interface Hit {
  path: string;
  auth: string | undefined;
  signature: string | undefined;
  raw: string;
  body: Record<string, unknown>;
}

/**
 * Channels on the real services: a local stand-in of Slack (test/support/fake-slack.ts: the Web API
 * the SDK calls, and Slack's event signing) and a webhook receiver; the model is the fake OpenAI server.
 */
describe('channels and bindings', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let slack: FakeSlack;
  let owner: TestUser;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      hits.push({
        path: req.url ?? '',
        auth: req.headers.authorization,
        signature: req.headers['x-agentcy-signature'] as string | undefined,
        raw,
        body,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  let base: string;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    slack = await startFakeSlack({ tokens: ['xoxb-good'] });
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Answer from the agent.' });
    smtp = await startSmtp();
    t = await startTestApp({
      ...fake.apiEnv,
      EGRESS_ALLOW: '127.0.0.1/32',
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Agentcy <agentcy@example.test>',
    });
    owner = await registerOwner(t, 'chn');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await slack?.close();
    await new Promise<void>((r) => smtp?.server.close(() => r()));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const http = () => t.http();
  const SIGNING = 'slack-signing-secret';

  const configureSlack = (u: TestUser, apiBase = slack.apiUrl) =>
    http()
      .post('/api/v1/channels/slack/configure')
      .set(u.auth)
      .send({ fields: { bot_token: 'xoxb-good', signing_secret: SIGNING, api_base_url: apiBase } });

  const slackEvent = (
    channelId: string,
    payload: unknown,
    opts: { secret?: string; ts?: number; retryNum?: number } = {},
  ) => {
    const { raw, headers } = signedSlackEvent(opts.secret ?? SIGNING, payload, opts);
    return http().post(`/api/v1/channels/slack/${channelId}/events`).set(headers).send(raw);
  };

  const message = (over: Record<string, unknown> = {}) => ({
    type: 'event_callback',
    team_id: 'T1',
    event: {
      type: 'message',
      user: 'U100',
      text: 'hello bot',
      channel: 'C42',
      channel_type: 'channel',
      ts: '100.1',
      ...over,
    },
  });

  it('configures Slack with secrets write-only, tests it against auth.test, and lists it in the catalog', async () => {
    const res = await configureSlack(owner).expect(200);
    expect(res.body).toMatchObject({ name: 'slack', configured: true, active: true });
    expect(res.body.id).toMatch(/^chn_/);
    expect(JSON.stringify(res.body)).not.toContain('xoxb-good');
    expect(JSON.stringify(res.body)).not.toContain(SIGNING);
    expect(res.body.fields).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'bot_token', secret: true, has_value: true }),
        expect.objectContaining({ key: 'api_base_url', secret: false, value: slack.apiUrl }),
      ]),
    );
    const list = await http().get('/api/v1/channels').set(owner.auth).expect(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['slack', 'webhook', 'email', 'whatsapp']);
    expect(JSON.stringify(list.body)).not.toContain('xoxb-good');

    const test = await http().post('/api/v1/channels/slack/test').set(owner.auth).send({}).expect(200);
    expect(test.body).toMatchObject({ status: 'ok', workspace: 'acme', bot: 'UBOT' });
    const authTest = slack.calls.find((c) => c.method === 'auth.test');
    expect(authTest?.token).toBe('xoxb-good');
    // sent by the official SDK (@slack/web-api WebClient), form-encoded as it does
    expect(authTest?.userAgent).toMatch(/@slack:web-api\/7\./);
    expect(authTest?.contentType).toContain('application/x-www-form-urlencoded');

    await http()
      .post('/api/v1/channels/slack/configure')
      .set(owner.auth)
      .send({ fields: { nope: 'x' } })
      .expect(400);
    await http()
      .post('/api/v1/channels/webhook/configure')
      .set(owner.auth)
      .send({ fields: { callback_url: `${base}/cb` } })
      .expect(400); // signing_secret missing
    await http().post('/api/v1/channels/nope/configure').set(owner.auth).send({ fields: {} }).expect(404);
    const wa = await http().post('/api/v1/channels/whatsapp/qr/start').set(owner.auth).send({}).expect(503);
    expect(wa.body.error).toMatchObject({ code: 'sidecar_unavailable', details: { service: 'whatsapp_gateway' } });
    await http().get('/api/v1/channels/whatsapp/qr/status?session_id=qr_x').set(owner.auth).expect(404);
    await http()
      .post('/api/v1/channels/whatsapp/configure')
      .set(owner.auth)
      .send({ fields: { display_name: 'Ops' } })
      .expect(503);
    await http().post('/api/v1/channels/whatsapp/unpair').set(owner.auth).send({}).expect(503);
    const waItem = await http().get('/api/v1/channels/whatsapp').set(owner.auth).expect(200);
    expect(waItem.body).toMatchObject({ feature_enabled: false, configured: false });
    const reload = await http().post('/api/v1/channels/reload').set(owner.auth).send({}).expect(202);
    expect(reload.body.reloaded).toEqual(['slack']);
  });

  it('an inbound Slack event reaches the bound agent and the answer is posted in the thread', async () => {
    const channelId = (await configureSlack(owner).expect(200)).body.id as string;
    const b = await http()
      .post('/api/v1/bindings')
      .set(owner.auth)
      .send({ agent: 'default', match_rule: { channel: 'slack', slack_channel: '#C42' } })
      .expect(201);
    const res = await slackEvent(channelId, message()).expect(200);
    expect(res.body).toMatchObject({ accepted: true, routed: true, binding_id: b.body.id });
    const post = await eventually(async () => slack.posts().find((c) => c.args.thread_ts === '100.1'));
    expect(post.args).toMatchObject({ channel: 'C42', text: 'Answer from the agent.', thread_ts: '100.1' });
    expect(post.token).toBe('xoxb-good');
    expect(post.userAgent).toMatch(/@slack:web-api/);
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes('hello bot'))).toBe(true);

    // a reply in the same thread continues the conversation
    const again = await slackEvent(channelId, message({ ts: '100.2', thread_ts: '100.1', text: 'more' })).expect(200);
    expect(again.body.conversation_id).toBe(res.body.conversation_id);
    await http().delete(`/api/v1/bindings/${b.body.id}`).set(owner.auth).expect(204);
  });

  it('refuses bad signatures and stale timestamps, answers url_verification', async () => {
    const channelId = (await configureSlack(owner).expect(200)).body.id as string;
    const bad = await slackEvent(channelId, message(), { secret: 'wrong' }).expect(401);
    expect(bad.body.error.code).toBe('invalid_signature');
    await slackEvent(channelId, message(), { ts: Math.floor(Date.now() / 1000) - 600 }).expect(401);
    const v = await slackEvent(channelId, { type: 'url_verification', challenge: 'abc123' }).expect(200);
    expect(v.body).toEqual({ challenge: 'abc123' });
    await slackEvent('chn_00000000000000000000000000000000', message()).expect(404);
    const ts = String(Math.floor(Date.now() / 1000));
    const form = 'command=%2Fagentcy&text=hi';
    const notJson = await http()
      .post(`/api/v1/channels/slack/${channelId}/events`)
      .set('content-type', 'application/x-www-form-urlencoded')
      .set('x-slack-request-timestamp', ts)
      .set('x-slack-signature', slackSignature(SIGNING, ts, form))
      .send(form)
      .expect(400);
    expect(notJson.body.error.code).toBe('validation_failed');
  });

  it("Slack redeliveries (X-Slack-Retry-Num) run once per event_id; another org's secret is refused", async () => {
    const u = await registerOwner(t, 'chn-retry');
    const channelId = (await configureSlack(u).expect(200)).body.id as string;
    await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'default', match_rule: { channel: 'slack' } })
      .expect(201);
    const ev = (eventId: string, ts: string) => ({ ...message({ ts }), event_id: eventId });
    const first = await slackEvent(channelId, ev('Ev1', '400.1')).expect(200);
    expect(first.body.routed).toBe(true);
    const retry = await slackEvent(channelId, ev('Ev1', '400.1'), { retryNum: 1 }).expect(200);
    expect(retry.body).toEqual({ accepted: true, routed: false, duplicate: true });
    // a retry of a delivery that never arrived is still handled
    const lost = await slackEvent(channelId, ev('Ev2', '400.2'), { retryNum: 2 }).expect(200);
    expect(lost.body.routed).toBe(true);
    await eventually(async () => slack.posts().find((c) => c.args.thread_ts === '400.2'));
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.posts().filter((c) => c.args.thread_ts === '400.1')).toHaveLength(1);

    // the channel id is public (the Request URL); another org's signing secret does not open it
    const other = await registerOwner(t, 'chn-retry-x');
    await http()
      .post('/api/v1/channels/slack/configure')
      .set(other.auth)
      .send({ fields: { bot_token: 'xoxb-good', signing_secret: 'other-org-secret', api_base_url: slack.apiUrl } })
      .expect(200);
    await slackEvent(channelId, ev('Ev3', '400.3'), { secret: 'other-org-secret' }).expect(401);
  });

  it('reload lists the active channels; test posts through the SDK with a rotated token', async () => {
    const u = await registerOwner(t, 'chn-reload');
    await http()
      .post('/api/v1/channels/slack/configure')
      .set(u.auth)
      .send({ fields: { bot_token: 'xoxb-rotated', signing_secret: SIGNING, api_base_url: slack.apiUrl } })
      .expect(200);
    const bad = await http().post('/api/v1/channels/slack/test').set(u.auth).send({}).expect(200);
    expect(bad.body).toMatchObject({ status: 'error', details: { code: 'channel_error' } });
    expect(bad.body.details.message).toContain('invalid_auth');
    slack.tokens.add('xoxb-rotated');
    const r = await http().post('/api/v1/channels/reload').set(u.auth).send({}).expect(202);
    expect(r.body.reloaded).toEqual(['slack']);
    const ok = await http()
      .post('/api/v1/channels/slack/test')
      .set(u.auth)
      .send({ to: 'C9', text: 'ping' })
      .expect(200);
    expect(ok.body).toMatchObject({ status: 'ok', workspace: 'acme' });
    const sent = slack.posts().find((c) => c.token === 'xoxb-rotated');
    expect(sent?.args).toMatchObject({ channel: 'C9', text: 'ping' });
  });

  it('without a matching binding the message is dropped: 200 routed false, nothing answered', async () => {
    const u = await registerOwner(t, 'chn-nob');
    const channelId = (await configureSlack(u).expect(200)).body.id as string;
    const before = slack.posts().length;
    const res = await slackEvent(channelId, message({ ts: '200.1' })).expect(200);
    expect(res.body).toEqual({ accepted: true, routed: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.posts().length).toBe(before);
  });

  it('bindings are ordered, the first match wins, reorder changes the winner', async () => {
    const u = await registerOwner(t, 'chn-ord');
    const channelId = (await configureSlack(u).expect(200)).body.id as string;
    const mk = async (match: Record<string, unknown>) =>
      (
        await http()
          .post('/api/v1/channels/bindings')
          .set(u.auth)
          .send({ agent: 'default', match_rule: { channel: 'slack', ...match } })
          .expect(201)
      ).body as { id: string; position: number };
    const a = await mk({ slack_user: 'U100' });
    const b = await mk({});
    const c = await mk({ slack_channel: 'C42' });
    expect([a.position, b.position, c.position]).toEqual([0, 1, 2]);
    await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'no-such-agent', match_rule: { channel: 'slack' } })
      .expect(400);

    let r = await slackEvent(channelId, message({ ts: '300.1' })).expect(200);
    expect(r.body.binding_id).toBe(a.id);
    r = await slackEvent(channelId, message({ ts: '300.2', user: 'U999' })).expect(200);
    expect(r.body.binding_id).toBe(b.id);

    const re = await http()
      .post('/api/v1/bindings/reorder')
      .set(u.auth)
      .send({ ids: [c.id, a.id, b.id] })
      .expect(200);
    expect(re.body.items.map((x: { id: string }) => x.id)).toEqual([c.id, a.id, b.id]);
    r = await slackEvent(channelId, message({ ts: '300.3' })).expect(200);
    expect(r.body.binding_id).toBe(c.id);
    await http()
      .post('/api/v1/bindings/reorder')
      .set(u.auth)
      .send({ ids: [c.id, a.id] })
      .expect(400);

    await http().patch(`/api/v1/bindings/${c.id}`).set(u.auth).send({ enabled: false }).expect(200);
    r = await slackEvent(channelId, message({ ts: '300.4' })).expect(200);
    expect(r.body.binding_id).toBe(a.id);
    const list = await http().get('/api/v1/bindings').set(u.auth).expect(200);
    expect(list.body.items).toHaveLength(3);
  });

  it('generic webhook channel: signed inbound message, signed reply to the callback URL', async () => {
    const u = await registerOwner(t, 'chn-wh');
    const cfg = await http()
      .post('/api/v1/channels/webhook/configure')
      .set(u.auth)
      .send({ fields: { signing_secret: 'wh-secret', callback_url: `${base}/cb/${u.orgId}` } })
      .expect(200);
    await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'default', match_rule: { channel: 'webhook', from: 'visitor-*' } })
      .expect(201);
    const raw = JSON.stringify({ from: 'visitor-1', text: 'hi there', thread: 't-9' });
    const sig = `sha256=${createHmac('sha256', 'wh-secret').update(raw).digest('hex')}`;
    await http()
      .post(`/api/v1/channels/webhook/${cfg.body.id}`)
      .set('content-type', 'application/json')
      .set('x-agentcy-signature', 'sha256=00')
      .send(raw)
      .expect(401);
    const res = await http()
      .post(`/api/v1/channels/webhook/${cfg.body.id}`)
      .set('content-type', 'application/json')
      .set('x-agentcy-signature', sig)
      .send(raw)
      .expect(202);
    expect(res.body).toMatchObject({ accepted: true, routed: true });
    const cb = await eventually(async () => hits.find((h) => h.path === `/cb/${u.orgId}` && h.body.type === 'reply'));
    expect(cb.body).toMatchObject({
      text: 'Answer from the agent.',
      thread: 't-9',
      conversation_id: res.body.conversation_id,
    });
    expect(cb.signature).toBe(`sha256=${createHmac('sha256', 'wh-secret').update(cb.raw).digest('hex')}`);
    const other = JSON.stringify({ from: 'someone', text: 'hi' });
    const r2 = await http()
      .post(`/api/v1/channels/webhook/${cfg.body.id}`)
      .set('content-type', 'application/json')
      .set('x-agentcy-signature', `sha256=${createHmac('sha256', 'wh-secret').update(other).digest('hex')}`)
      .send(other)
      .expect(202);
    expect(r2.body).toEqual({ accepted: true, routed: false });
  });

  it('email channel: signed inbound mail reaches the bound agent, the answer is mailed back', async () => {
    const u = await registerOwner(t, 'chn-mail');
    const cfg = await http()
      .post('/api/v1/channels/email/configure')
      .set(u.auth)
      .send({ fields: { signing_secret: 'mail-secret' } })
      .expect(200);
    expect(cfg.body.inbound_url).toContain(`/api/v1/channels/email/${cfg.body.id}`);
    await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'default', match_rule: { channel: 'email', from: '*@acme.test' } })
      .expect(201);
    const raw = JSON.stringify({ from: 'Alice@acme.test', subject: 'Printer', text: 'It jams.' });
    const sign = (s: string) => `sha256=${createHmac('sha256', 'mail-secret').update(s).digest('hex')}`;
    await http()
      .post(`/api/v1/channels/email/${cfg.body.id}`)
      .set('content-type', 'application/json')
      .set('x-agentcy-signature', sign('{}'))
      .send(raw)
      .expect(401);
    const res = await http()
      .post(`/api/v1/channels/email/${cfg.body.id}`)
      .set('content-type', 'application/json')
      .set('x-agentcy-signature', sign(raw))
      .send(raw)
      .expect(202);
    expect(res.body).toMatchObject({ accepted: true, routed: true });
    const mail = await eventually(async () => smtp.received.find((m) => m.to.includes('alice@acme.test')));
    expect(mail.raw).toContain('Subject: Re: Printer');
    expect(mail.raw).toContain('Answer from the agent.');
    const test = await http().post('/api/v1/channels/email/test').set(u.auth).send({}).expect(200);
    expect(test.body.status).toBe('ok');
  });

  it('another org sees 404, a member gets 403 on writes, deleting keeps bindings', async () => {
    const u = await registerOwner(t, 'chn-x');
    await configureSlack(u).expect(200);
    const bnd = (
      await http()
        .post('/api/v1/bindings')
        .set(u.auth)
        .send({ agent: 'default', match_rule: { channel: 'slack' } })
        .expect(201)
    ).body;
    const intruder = await registerOwner(t, 'chn-y');
    await http().get(`/api/v1/bindings/${bnd.id}`).set(intruder.auth).expect(404);
    await http().patch(`/api/v1/bindings/${bnd.id}`).set(intruder.auth).send({ enabled: false }).expect(404);
    await http().delete(`/api/v1/bindings/${bnd.id}`).set(intruder.auth).expect(404);
    await http().post('/api/v1/channels/slack/test').set(intruder.auth).send({}).expect(404);
    const mine = await http().get('/api/v1/channels/slack').set(intruder.auth).expect(200);
    expect(mine.body.configured).toBe(false);

    const member = await addMember(t, u, 'member', 'chn-m');
    await http().get('/api/v1/channels').set(member.auth).expect(200);
    await configureSlack(member).expect(403);
    await http()
      .post('/api/v1/bindings')
      .set(member.auth)
      .send({ agent: 'default', match_rule: { channel: 'slack' } })
      .expect(403);
    await http().delete('/api/v1/channels/slack').set(member.auth).expect(403);

    await http().delete('/api/v1/channels/slack').set(u.auth).expect(204);
    await http().get(`/api/v1/bindings/${bnd.id}`).set(u.auth).expect(200);
    const cat = await http().get('/api/v1/channels/slack').set(u.auth).expect(200);
    expect(cat.body).toMatchObject({ configured: false, binding_count: 1 });
  });

  it('the Slack API base URL goes through the egress guard', async () => {
    const u = await registerOwner(t, 'chn-eg');
    // 127.0.0.2 is loopback but outside EGRESS_ALLOW=127.0.0.1/32
    const before = slack.calls.length;
    await configureSlack(u, `http://127.0.0.2:${new URL(slack.origin).port}/api`).expect(200);
    const res = await http().post('/api/v1/channels/slack/test').set(u.auth).send({}).expect(200);
    expect(res.body).toMatchObject({ status: 'error', details: { code: 'egress_forbidden' } });
    const cat = await http().get('/api/v1/channels/slack').set(u.auth).expect(200);
    expect(cat.body.last_error).toContain('not allowed');
    // a refused reply never reaches the network either
    const channelId = cat.body.id as string;
    await http()
      .post('/api/v1/bindings')
      .set(u.auth)
      .send({ agent: 'default', match_rule: { channel: 'slack' } })
      .expect(201);
    const routed = await slackEvent(channelId, message({ ts: '900.1', text: 'egress reply probe' })).expect(200);
    expect(routed.body.routed).toBe(true);
    await eventually(async () =>
      fake.requests.some((r) => JSON.stringify(r.body).includes('egress reply probe')) ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(slack.calls.length).toBe(before);
    const after = await http().get('/api/v1/channels/slack').set(u.auth).expect(200);
    expect(after.body.last_error).toContain('not allowed');
  });
});
