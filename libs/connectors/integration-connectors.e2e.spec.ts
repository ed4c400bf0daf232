/**
 * The integration connectors behind the real app: /sources routes, secret masking, tool listing and
 * execution, and a sync into Neo4j — against local fakes of the Kubernetes and GitHub APIs.
 */
import { registerOwner, TestUser } from '../../test/factories/users';
import { startTestApp, TestApp } from '../../test/setup/test-app';
import { FakeGitHubApi, startFakeGitHubApi } from './github/fake-github-api';
import { FakeKubeApi, startFakeKubeApi } from './kubernetes/fake-kube-api';

describe('integration connectors through /api/v1/sources', () => {
  let t: TestApp;
  let owner: TestUser;
  let kube: FakeKubeApi;
  let gh: FakeGitHubApi;

  beforeAll(async () => {
    [t, kube, gh] = await Promise.all([startTestApp(), startFakeKubeApi(), startFakeGitHubApi()]);
    owner = await registerOwner(t, 'integ');
  });
  afterAll(async () => {
    await Promise.all([t?.close(), kube?.close(), gh?.close()]);
  });

  it('lists the five integration types in the connector catalog', async () => {
    const res = await t.http().get('/api/v1/sources/types').set(owner.auth).expect(200);
    const items: any[] = res.body.items ?? res.body;
    const types = items.map((i) => i.type ?? i.source_type);
    expect(types).toEqual(expect.arrayContaining(['kubernetes', 'github', 'mcp', 'openapi', 'git']));
  });

  it('GitHub token without the repo scope → 422 source_validation_failed with missing_scopes', async () => {
    const res = await t
      .http()
      .post('/api/v1/sources/validate')
      .set(owner.auth)
      .send({ source_type: 'github', config: { token: 'ghp_noscope', owner: 'acme', base_url: gh.url } })
      .expect(422);
    expect(res.body.error).toMatchObject({ code: 'source_validation_failed', message: 'GitHub token is missing required scopes' });
    expect(res.body.error.details.missing_scopes).toEqual(['repo']);

    const bad = await t.http().post('/api/v1/sources/validate').set(owner.auth).send({ source_type: 'github', config: { token: 'nope', base_url: gh.url } }).expect(422);
    expect(bad.body.error.code).toBe('source_validation_failed');

    const shape = await t.http().post('/api/v1/sources/validate').set(owner.auth).send({ source_type: 'kubernetes', config: {} }).expect(400);
    expect(shape.body.error.code).toBe('validation_failed');
  });

  it('kubernetes source: create (token masked), tools, list_pods, sync into the graph', async () => {
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({ name: 'prod-cluster', source_type: 'kubernetes', config: { server: kube.url, token: kube.token } })
      .expect(201);
    expect(created.body).toMatchObject({ source_type: 'kubernetes', realm: 'infrastructure', config: { server: kube.url, token: '***' } });
    const id = created.body.id;

    const tools = await t.http().get(`/api/v1/sources/${id}/tools`).set(owner.auth).expect(200);
    const byName = Object.fromEntries(tools.body.items.map((x: any) => [x.name, x]));
    expect(byName.list_pods.effect).toBe('read');
    expect(byName.delete_pod.effect).toBe('destructive');

    const run = await t.http().post(`/api/v1/sources/${id}/tools/list_pods/execute`).set(owner.auth).send({ args: { namespace: 'prod' } }).expect(200);
    expect(JSON.stringify(run.body)).toContain('worker-5c6b7d8e9f-klmno');
    expect(JSON.stringify(run.body)).toContain('CrashLoopBackOff');

    const job = await t.http().post(`/api/v1/sources/${id}/sync`).set(owner.auth).send({}).expect(202);
    let status = job.body.status;
    let body: any = job.body;
    for (let i = 0; i < 100 && !['succeeded', 'failed', 'cancelled'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      body = (await t.http().get(`/api/v1/sources/${id}/jobs/${job.body.id}`).set(owner.auth).expect(200)).body;
      status = body.status;
    }
    expect(body.error).toBeNull();
    expect(status).toBe('succeeded');
    expect(body.stats.nodes_written).toBeGreaterThanOrEqual(3 + 2 + 2 + 2 + 4 + 2);

    const pods = await t.http().get('/api/v1/graph/nodes').query({ label: 'Pod', source_id: id }).set(owner.auth).expect(200);
    expect(pods.body.items.map((n: any) => n.name).sort()).toEqual(['coredns-6f6b679f8f-pqrst', 'web-7d9f8b6c5d-abcde', 'web-7d9f8b6c5d-fghij', 'worker-5c6b7d8e9f-klmno']);
  });
});
