import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-server';
import { allowSelfApproval, createKubeSource, eventually, openSse, withFakeKube } from './chat-helpers';
import { testUploadDir, waitForJob } from './sources-helpers';

/** `/ok.csv` syncs, `/bad.csv` fails on its malformed last row. */
async function csvServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const body = req.url === '/bad.csv' ? 'id,name\n1,Ada\n2,"broken\n' : 'id,name\n1,Ada\n2,Bob\n';
    res.writeHead(200, { 'content-type': 'text/csv' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const closeServer = async (s?: Server) => {
  s?.closeAllConnections();
  await new Promise((r) => (s ? s.close(r) : r(undefined)));
};

async function createCsvSource(t: TestApp, u: TestUser, name: string, url: string, schedule?: string) {
  const res = await t
    .http()
    .post('/api/v1/sources')
    .set(u.auth)
    .send({
      name,
      source_type: 'csv',
      ...(schedule ? { schedule } : {}),
      config: { url, label: 'Person', key_column: 'id', name_column: 'name' },
    })
    .expect(201);
  return res.body.id as string;
}

describe('task recommendations: computed on read, accept → task, dismiss, isolation, roles (e2e)', () => {
  let t: TestApp;
  let files: { server: Server; url: string };
  let owner: TestUser;
  let member: TestUser;
  let viewer: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    files = await csvServer();
    t = await startTestApp({ UPLOAD_DIR: testUploadDir(), TASK_RECOMMENDATIONS_STALE_SECS: '0' });
    owner = await registerOwner(t, 'reca');
    member = await addMember(t, owner, 'member', 'recm');
    viewer = await addMember(t, owner, 'viewer', 'recv');
    other = await registerOwner(t, 'recb');
  });
  afterAll(async () => {
    await t?.close();
    await closeServer(files?.server);
  });

  const list = async (u: TestUser, query = '') =>
    (await t.http().get(`/api/v1/task-recommendations${query}`).set(u.auth).expect(200)).body;
  const forSource = (items: any[], name: string) => items.filter((r) => r.title.includes(`"${name}"`));

  it('a source without a sync schedule yields one recommendation; a scheduled one does not', async () => {
    expect((await list(owner)).items).toEqual([]);
    await createCsvSource(t, owner, 'people', `${files.url}/ok.csv`);
    await createCsvSource(t, owner, 'teams', `${files.url}/ok.csv`, '0 * * * *');
    const page = await list(owner);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toEqual({
      id: expect.stringMatching(/^rec_[0-9a-f]{32}$/),
      title: 'Check "people" for fresh data every day',
      rationale: expect.stringContaining('has no sync schedule'),
      suggested_task: expect.objectContaining({
        name: 'Daily freshness check: people',
        trigger: { kind: 'schedule', cron: '0 6 * * *' },
        input_template: { instruction: expect.stringContaining('people') },
      }),
      score: 0.5,
      source: 'connector_state',
      status: 'open',
      task_id: null,
      created_at: expect.any(String),
    });
    // recomputing keeps the same recommendation (same fingerprint, same id)
    expect((await list(owner)).items.map((r: any) => r.id)).toEqual([page.items[0].id]);
    // members may read, viewers may not
    expect((await list(member)).items).toHaveLength(1);
    await t.http().get('/api/v1/task-recommendations').set(viewer.auth).expect(403);
    // another org sees none of it
    expect((await list(other)).items).toEqual([]);
  });

  it('accept creates the task (201) with overrides; the recommendation becomes accepted; a second accept is 409', async () => {
    const [rec] = forSource((await list(owner, '?status=open')).items, 'people');
    await t.http().post(`/api/v1/task-recommendations/${rec.id}/accept`).set(member.auth).send({}).expect(403);
    const bad = await t
      .http()
      .post(`/api/v1/task-recommendations/${rec.id}/accept`)
      .set(owner.auth)
      .send({ overrides: { trigger: { kind: 'bogus' } } })
      .expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await t.http().get(`/api/v1/task-recommendations/${rec.id}`).set(owner.auth).expect(200)).body.status).toBe(
      'open',
    );
    await t
      .http()
      .post(`/api/v1/task-recommendations/${rec.id}/accept`)
      .set(owner.auth)
      .send({ overrides: 'nope' })
      .expect(400);

    const res = await t
      .http()
      .post(`/api/v1/task-recommendations/${rec.id}/accept`)
      .set(owner.auth)
      .send({ overrides: { name: 'People freshness', enabled: false } })
      .expect(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^task_/),
      name: 'People freshness',
      enabled: false,
      input_template: rec.suggested_task.input_template,
    });
    const task = await t.http().get(`/api/v1/tasks/${res.body.id}`).set(owner.auth).expect(200);
    expect(task.body.name).toBe('People freshness');
    const after = await t.http().get(`/api/v1/task-recommendations/${rec.id}`).set(owner.auth).expect(200);
    expect(after.body).toMatchObject({ status: 'accepted', task_id: res.body.id });
    const again = await t
      .http()
      .post(`/api/v1/task-recommendations/${rec.id}/accept`)
      .set(owner.auth)
      .send({})
      .expect(409);
    expect(again.body.error.code).toBe('recommendation_not_open');
    // not re-created as open on the next computation
    const all = await list(owner);
    expect(forSource(all.items, 'people').map((r: any) => [r.id, r.status])).toEqual([[rec.id, 'accepted']]);
    expect((await list(owner, '?status=accepted')).items.map((r: any) => r.id)).toEqual([rec.id]);
  });

  it('dismiss hides it (204) and it is not re-created for the same source', async () => {
    await createCsvSource(t, owner, 'billing', `${files.url}/ok.csv`);
    const [rec] = forSource((await list(owner, '?status=open')).items, 'billing');
    expect(rec).toBeDefined();
    await t.http().post(`/api/v1/task-recommendations/${rec.id}/dismiss`).set(member.auth).send({}).expect(403);
    await t.http().post(`/api/v1/task-recommendations/${rec.id}/dismiss`).set(owner.auth).send({}).expect(204);
    await t.http().post(`/api/v1/task-recommendations/${rec.id}/dismiss`).set(owner.auth).send({}).expect(204);
    expect(forSource((await list(owner, '?status=open')).items, 'billing')).toEqual([]);
    expect(forSource((await list(owner)).items, 'billing').map((r: any) => [r.id, r.status])).toEqual([
      [rec.id, 'dismissed'],
    ]);
    expect((await list(owner, '?status=dismissed')).items.map((r: any) => r.id)).toEqual([rec.id]);
    const acc = await t
      .http()
      .post(`/api/v1/task-recommendations/${rec.id}/accept`)
      .set(owner.auth)
      .send({})
      .expect(409);
    expect(acc.body.error.code).toBe('recommendation_not_open');
  });

  it("another org's recommendation ids are 404; hostile input is a 4xx envelope", async () => {
    const [rec] = (await list(owner)).items;
    await t.http().get(`/api/v1/task-recommendations/${rec.id}`).set(other.auth).expect(404);
    await t.http().post(`/api/v1/task-recommendations/${rec.id}/accept`).set(other.auth).send({}).expect(404);
    await t.http().post(`/api/v1/task-recommendations/${rec.id}/dismiss`).set(other.auth).send({}).expect(404);
    await t.http().get('/api/v1/task-recommendations/rec_missing').set(owner.auth).expect(404);
    const res = await t.http().get('/api/v1/task-recommendations?status=maybe').set(owner.auth).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    await t
      .http()
      .post(`/api/v1/task-recommendations/${rec.id}/accept`)
      .set(owner.auth)
      .send({ overrides: {}, extra: 1 })
      .expect(400);
    await t.http().get('/api/v1/task-recommendations').expect(401);
  });
});

describe('task recommendations: recomputed after sync events, not on every read (e2e)', () => {
  let t: TestApp;
  let files: { server: Server; url: string };
  let owner: TestUser;

  beforeAll(async () => {
    files = await csvServer();
    t = await startTestApp({ UPLOAD_DIR: testUploadDir(), TASK_RECOMMENDATIONS_STALE_SECS: '3600' });
    owner = await registerOwner(t, 'recev');
  });
  afterAll(async () => {
    await t?.close();
    await closeServer(files?.server);
  });

  const list = async () =>
    (await t.http().get('/api/v1/task-recommendations').set(owner.auth).expect(200)).body.items as any[];
  const sync = async (id: string) => {
    const r = await t.http().post(`/api/v1/sources/${id}/sync`).set(owner.auth).send({}).expect(202);
    return waitForJob(t, owner.auth, id, r.body.id, ['failed', 'succeeded', 'cancelled']);
  };

  it('syncs that keep failing yield a recommendation once the job events recompute the org', async () => {
    expect(await list()).toEqual([]);
    const id = await createCsvSource(t, owner, 'ledger', `${files.url}/bad.csv`);
    // fresh (computed a moment ago) and no event since: not recomputed on read
    expect(await list()).toEqual([]);
    expect((await sync(id)).status).toBe('failed');
    const first = await eventually(async () => {
      const items = await list();
      return items.length > 0 && items;
    });
    expect(first.map((r) => r.title)).toEqual(['Check "ledger" for fresh data every day']);
    expect((await sync(id)).status).toBe('failed');
    const failing = await eventually(async () =>
      (await list()).find((r) => r.title === 'Investigate the failing syncs of "ledger"'),
    );
    expect(failing).toMatchObject({
      source: 'connector_state',
      status: 'open',
      score: 0.6,
      rationale: expect.stringContaining('The last 2 syncs'),
      suggested_task: expect.objectContaining({ trigger: { kind: 'schedule', cron: '0 * * * *' } }),
    });
  });
});

describe('task recommendations: approvals piling up for one tool (e2e)', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let kube: FakeKubeApi;
  let owner: TestUser;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    kube = await withFakeKube();
    t = await startTestApp({ ...fake.apiEnv, TASK_RECOMMENDATIONS_STALE_SECS: '0' });
    owner = await registerOwner(t, 'recapr');
    await allowSelfApproval(t.baseUrl, owner.auth);
    await createKubeSource(t.baseUrl, owner.auth, kube, 'prod-cluster');
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
    await kube?.close();
  });

  it('three pending approvals of one tool yield a chat_patterns recommendation, gone once they are decided', async () => {
    const list = async () =>
      (await t.http().get('/api/v1/task-recommendations?status=open').set(owner.auth).expect(200)).body.items as any[];
    const digest = (items: any[]) =>
      items.find((r) => r.title === 'Review the pending approvals for kubernetes.delete_pod');
    expect(digest(await list())).toBeUndefined();
    fake.setDefault({ text: 'Left it alone.' });
    const approvals: string[] = [];
    const streams = [];
    for (let i = 0; i < 3; i++) {
      fake.script({
        toolCalls: [
          {
            id: `call_${i}`,
            name: 'execute_connector_tool',
            arguments: { tool: 'prod-cluster.delete_pod', arguments: { namespace: 'prod', name: `web-${i}` } },
          },
        ],
      });
      const conv = (
        await t.http().post('/api/v1/chat/conversations').set(owner.auth).send({ title: 'ops' }).expect(201)
      ).body.id as string;
      const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
        headers: owner.auth,
        body: { content: `delete web-${i}` },
      });
      approvals.push((await s.waitFor((e) => e.event === 'approval_required')).data.approval_id as string);
      streams.push(s);
    }
    const rec = digest(await list());
    expect(rec).toMatchObject({
      source: 'chat_patterns',
      score: 0.55,
      rationale: '3 calls to kubernetes.delete_pod wait for an approval.',
      suggested_task: expect.objectContaining({ name: 'Approval digest: kubernetes.delete_pod' }),
    });
    for (const id of approvals) {
      await t.http().post(`/api/v1/chat/approvals/${id}`).set(owner.auth).send({ approved: false }).expect(200);
    }
    for (const s of streams) {
      await s.waitFor((e) => e.event === 'message_end');
    }
    // the condition no longer holds: the open recommendation is removed on the next computation
    expect(digest(await list())).toBeUndefined();
  });
});
