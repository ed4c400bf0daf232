import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeCiab } from '../support/fake-ciab';
import type { FakeSidecar } from '../support/fake-openfang';

/** /ciab → a stand-in remote CIAB control plane that does not filter by org itself. */
describe('/ciab remote CIAB proxy', () => {
  let t: TestApp;
  let ciab: FakeSidecar;
  let owner: TestUser;
  let viewer: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    ciab = await startFakeCiab();
    t = await startTestApp({ AGENTCY_FEATURES_CIAB: 'true', CIAB_URL: `${ciab.url}/` });
    owner = await registerOwner(t, 'ciabr');
    other = await registerOwner(t, 'ciabr-other');
    viewer = await addMember(t, owner, 'viewer');
    ciab.seed('sessions', { id: 'cs_theirs', org_id: other.orgId, status: 'running' });
  });
  afterAll(async () => {
    await t?.close();
    await ciab?.close();
  });
  const http = () => t.http();

  it('creates, lists, reads, drives and ends a session with org headers; caller credentials never leave', async () => {
    const s = await http()
      .post('/api/v1/ciab/sessions')
      .set(owner.auth)
      .send({ runtime: 'local', org_id: other.orgId })
      .expect(201);
    expect(s.body).toMatchObject({ org_id: owner.orgId, status: 'running' });
    const call = ciab.requests[ciab.requests.length - 1];
    expect(call.path).toBe('/sessions');
    expect(call.headers['x-agentcy-org']).toBe(owner.orgId);
    expect(call.headers.authorization).toBeUndefined();
    expect(ciab.sawSecret(owner.token)).toBe(false);

    const list = await http().get('/api/v1/ciab/sessions').set(viewer.auth).expect(200);
    expect((list.body.items as { id: string }[]).map((x) => x.id)).toEqual([s.body.id]);
    await http().get(`/api/v1/ciab/sessions/${s.body.id}`).set(viewer.auth).expect(200);

    const files = await http().get(`/api/v1/ciab/sessions/${s.body.id}/files?path=src`).set(viewer.auth).expect(200);
    expect(files.body[0]).toMatchObject({ name: 'README.md', path: 'src' });
    const content = await http()
      .get(`/api/v1/ciab/sessions/${s.body.id}/files/content?path=README.md`)
      .set(viewer.auth)
      .expect(200);
    expect(content.text).toBe('content of README.md');
    const ports = await http().get(`/api/v1/ciab/sessions/${s.body.id}/ports`).set(viewer.auth).expect(200);
    expect(ports.body[0].port).toBe(3000);

    await http().post(`/api/v1/ciab/sessions/${s.body.id}/input`).set(viewer.auth).send({ text: 'ls' }).expect(403);
    const input = await http()
      .post(`/api/v1/ciab/sessions/${s.body.id}/input`)
      .set(owner.auth)
      .send({ text: 'ls' })
      .expect(202);
    expect(input.body).toEqual({ accepted: true, text: 'ls' });
    const snap = await http()
      .post(`/api/v1/ciab/sessions/${s.body.id}/snapshot`)
      .set(owner.auth)
      .send({ label: 'x' })
      .expect(201);
    expect(snap.body.snapshot_id).toMatch(/^snap_/);

    const res = await fetch(`${t.baseUrl}/api/v1/ciab/sessions/${s.body.id}/output`, { headers: viewer.auth });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toContain(`hello from ${s.body.id}`);
    ciab.finishLogs(s.body.id);
    while (!(await reader.read()).done) {
      // drain
    }

    const del = await http().delete(`/api/v1/ciab/sessions/${s.body.id}`).set(owner.auth).expect(200);
    expect(del.body.status).toBe('terminated');

    const audit = await http().get('/api/v1/activity/audit?limit=200').set(owner.auth).expect(200);
    const actions = (audit.body.items as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'ciab.session.create',
        'ciab.session.input',
        'ciab.session.snapshot',
        'ciab.session.delete',
      ]),
    );
  });

  it('another org’s session: 404 on every route, nothing forwarded below it', async () => {
    const before = ciab.requests.length;
    await http().get('/api/v1/ciab/sessions/cs_theirs').set(owner.auth).expect(404);
    for (const sub of ['output', 'files', 'files/content?path=x', 'ports']) {
      await http().get(`/api/v1/ciab/sessions/cs_theirs/${sub}`).set(owner.auth).expect(404);
    }
    await http().post('/api/v1/ciab/sessions/cs_theirs/input').set(owner.auth).send({ text: 'rm -rf /' }).expect(404);
    await http().post('/api/v1/ciab/sessions/cs_theirs/snapshot').set(owner.auth).send({}).expect(404);
    await http().delete('/api/v1/ciab/sessions/cs_theirs').set(owner.auth).expect(404);
    const forwarded = ciab.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    expect(forwarded.every((f) => f === 'GET /sessions/cs_theirs')).toBe(true);
    expect(ciab.get('sessions', 'cs_theirs')!.status).toBe('running');
    const list = await http().get('/api/v1/ciab/sessions').set(owner.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain('cs_theirs');
    // restoring a session of another org by naming it in the body
    await http().post('/api/v1/ciab/sessions').set(owner.auth).send({ session_id: 'cs_theirs' }).expect(404);
  });

  it('feature off for the org → 404 feature_disabled', async () => {
    const org = await registerOwner(t, 'ciabr-off');
    await http().patch('/api/v1/settings/features').set(org.auth).send({ ciab: false }).expect(200);
    const res = await http().get('/api/v1/ciab/sessions').set(org.auth).expect(404);
    expect(res.body.error.code).toBe('feature_disabled');
  });
});

describe('/ciab without a reachable CIAB', () => {
  let unset: TestApp;
  let dead: TestApp;

  beforeAll(async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    unset = await startTestApp({ AGENTCY_FEATURES_CIAB: 'true', CIAB_URL: '' });
    dead = await startTestApp({ AGENTCY_FEATURES_CIAB: 'true', CIAB_URL: `http://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await unset?.close();
    await dead?.close();
  });

  it('unset or refused → 503 sidecar_unavailable with details.service = ciab', async () => {
    for (const app of [unset, dead]) {
      const u = await registerOwner(app, 'ciabr-down');
      for (const req of [
        app.http().get('/api/v1/ciab/sessions'),
        app.http().post('/api/v1/ciab/sessions').send({ runtime: 'local' }),
        app.http().get('/api/v1/ciab/sessions/cs_1/output'),
      ]) {
        const res = await req.set(u.auth).expect(503);
        expect(res.body.error).toMatchObject({ code: 'sidecar_unavailable', details: { service: 'ciab' } });
      }
    }
  });
});
