import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { eventually } from './chat-helpers';

/** Cron channels on the real services: the webhook channel's callback is a local receiver, the model is fake. */
describe('cron channels', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let owner: TestUser;
  const hits: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'Daily digest from the agent.' });
    t = await startTestApp({ ...fake.apiEnv, EGRESS_ALLOW: '127.0.0.1/32', TASK_CRON_SECONDS: 'true' });
    owner = await registerOwner(t, 'crc');
    await t
      .http()
      .post('/api/v1/channels/webhook/configure')
      .set(owner.auth)
      .send({ fields: { callback_url: `${base}/cb`, signing_secret: 'cron-secret' } })
      .expect(200);
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const http = () => t.http();
  const body = (over: Record<string, unknown> = {}) => ({
    name: 'digest',
    channel: 'webhook',
    target: { chat: 'team-room' },
    cron: '0 9 * * *',
    agent: 'default',
    prompt: 'Write the daily digest',
    ...over,
  });

  it('fires now, posts the answer to the channel and lists the run', async () => {
    const c = await http().post('/api/v1/cron-channels').set(owner.auth).send(body()).expect(201);
    expect(c.body).toMatchObject({ id: expect.stringMatching(/^crc_/), channel: 'webhook', enabled: true });
    expect(c.body.task_id).toMatch(/^task_/);
    await http().post('/api/v1/cron-channels').set(owner.auth).send(body()).expect(409);

    const run = await http().post(`/api/v1/cron-channels/${c.body.id}/run`).set(owner.auth).send({}).expect(202);
    const hit = await eventually(async () => hits.find((h) => h.chat === 'team-room'));
    expect(hit).toMatchObject({ type: 'scheduled', text: 'Daily digest from the agent.' });
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes('Write the daily digest'))).toBe(true);

    const runs = await http().get(`/api/v1/cron-channels/${c.body.id}/runs`).set(owner.auth).expect(200);
    expect(runs.body.items[0]).toMatchObject({ id: run.body.run_id, status: 'succeeded' });
    const list = await http().get('/api/v1/cron-channels').set(owner.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(c.body.id);
    const got = await eventually(async () => {
      const r = await http().get(`/api/v1/cron-channels/${c.body.id}`).set(owner.auth).expect(200);
      return r.body.last_run_at ? r.body : null;
    });
    expect(got.last_error).toBeNull();

    await http().delete(`/api/v1/cron-channels/${c.body.id}`).set(owner.auth).expect(204);
    await http().get(`/api/v1/cron-channels/${c.body.id}`).set(owner.auth).expect(404);
    await http().get(`/api/v1/tasks/${c.body.task_id}`).set(owner.auth).expect(404);
  });

  it('a seconds cron fires on its own and posts; PATCH pauses it', async () => {
    const c = await http()
      .post('/api/v1/cron-channels')
      .set(owner.auth)
      .send(body({ name: 'every-second', cron: '* * * * * *', target: { chat: 'ticker' } }))
      .expect(201);
    await eventually(async () => hits.find((h) => h.chat === 'ticker'));
    const p = await http()
      .patch(`/api/v1/cron-channels/${c.body.id}`)
      .set(owner.auth)
      .send({ enabled: false })
      .expect(200);
    expect(p.body.enabled).toBe(false);
    const task = await http().get(`/api/v1/tasks/${c.body.task_id}`).set(owner.auth).expect(200);
    expect(task.body.enabled).toBe(false);
  });

  it('hides other orgs, forbids members to write and rejects hostile input', async () => {
    const c = await http()
      .post('/api/v1/cron-channels')
      .set(owner.auth)
      .send(body({ name: 'private' }))
      .expect(201);
    const other = await registerOwner(t, 'crc-x');
    await http().get(`/api/v1/cron-channels/${c.body.id}`).set(other.auth).expect(404);
    await http().post(`/api/v1/cron-channels/${c.body.id}/run`).set(other.auth).send({}).expect(404);
    await http().get(`/api/v1/cron-channels/${c.body.id}/runs`).set(other.auth).expect(404);
    await http().delete(`/api/v1/cron-channels/${c.body.id}`).set(other.auth).expect(404);
    // the other org has no webhook channel configured
    await http().post('/api/v1/cron-channels').set(other.auth).send(body()).expect(400);

    const member = await addMember(t, owner, 'member', 'crc-m');
    await http().get(`/api/v1/cron-channels/${c.body.id}`).set(member.auth).expect(200);
    await http()
      .post('/api/v1/cron-channels')
      .set(member.auth)
      .send(body({ name: 'm' }))
      .expect(403);
    await http().post(`/api/v1/cron-channels/${c.body.id}/run`).set(member.auth).send({}).expect(403);

    const bad = await http()
      .post('/api/v1/cron-channels')
      .set(owner.auth)
      .send(body({ name: 'bad', channel: 'email', extra: 1 }))
      .expect(400);
    expect(bad.body.error).toBeDefined();
    await http()
      .post('/api/v1/cron-channels')
      .set(owner.auth)
      .send(body({ name: 'bad-cron', cron: 'not a cron' }))
      .expect(400);
  });
});
