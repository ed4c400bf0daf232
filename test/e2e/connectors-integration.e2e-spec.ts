/**
 * The integration connectors behind the real app: /sources routes, secret masking, tool listing and
 * execution, and a sync into Neo4j — against local fakes of the Kubernetes and GitHub APIs.
 */
import { mcpClientPool } from '@libs/connectors/mcp/mcp.connector';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { FakeGitHubApi, startFakeGitHubApi } from '../support/connectors/fake-github-api';
import { FakeKubeApi, startFakeKubeApi } from '../support/connectors/fake-kube-api';

describe('integration connectors through /api/v1/sources', () => {
  let t: TestApp;
  let owner: TestUser;
  let kube: FakeKubeApi;
  let gh: FakeGitHubApi;

  beforeAll(async () => {
    // the stdio MCP and local git sources below act on the API host: allowed for org admins here
    [t, kube, gh] = await Promise.all([
      startTestApp({ CONNECTOR_HOST_ACCESS: 'org_admin' }),
      startFakeKubeApi(),
      startFakeGitHubApi(),
    ]);
    owner = await registerOwner(t, 'integ');
  });
  afterAll(async () => {
    await Promise.all([t?.close(), kube?.close(), gh?.close(), mcpClientPool.closeAll()]);
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
    expect(res.body.error).toMatchObject({
      code: 'source_validation_failed',
      message: 'GitHub token is missing required scopes',
    });
    expect(res.body.error.details.missing_scopes).toEqual(['repo']);

    const bad = await t
      .http()
      .post('/api/v1/sources/validate')
      .set(owner.auth)
      .send({ source_type: 'github', config: { token: 'nope', base_url: gh.url } })
      .expect(422);
    expect(bad.body.error.code).toBe('source_validation_failed');

    const shape = await t
      .http()
      .post('/api/v1/sources/validate')
      .set(owner.auth)
      .send({ source_type: 'kubernetes', config: {} })
      .expect(400);
    expect(shape.body.error.code).toBe('validation_failed');
  });

  async function syncAndWait(id: string): Promise<any> {
    const job = await t.http().post(`/api/v1/sources/${id}/sync`).set(owner.auth).send({}).expect(202);
    let body: any = job.body;
    for (let i = 0; i < 150 && !['succeeded', 'failed', 'cancelled'].includes(body.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      body = (await t.http().get(`/api/v1/sources/${id}/jobs/${job.body.id}`).set(owner.auth).expect(200)).body;
    }
    return body;
  }

  async function labelsOf(id: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let cursor: string | null = null;
    do {
      const res: any = await t
        .http()
        .get('/api/v1/graph/nodes')
        .query({ source_id: id, limit: 100, ...(cursor ? { cursor } : {}) })
        .set(owner.auth)
        .expect(200);
      for (const n of res.body.items) {
        counts[n.label] = (counts[n.label] ?? 0) + 1;
      }
      cursor = res.body.next_cursor;
    } while (cursor);
    return counts;
  }

  it('github and git sources sync their nodes into the graph', async () => {
    const ghSource = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({
        name: 'acme-github',
        source_type: 'github',
        config: { token: 'ghp_full', owner: 'acme', repos: ['api'], base_url: gh.url },
      })
      .expect(201);
    expect(ghSource.body).toMatchObject({ realm: 'development', config: { token: '***', owner: 'acme' } });
    const ghJob = await syncAndWait(ghSource.body.id);
    expect(ghJob.error).toBeNull();
    expect(ghJob.status).toBe('succeeded');
    expect(await labelsOf(ghSource.body.id)).toEqual({ Repository: 1, Issue: 3, PullRequest: 2, User: 3 });

    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentcy-e2e-git-'));
    try {
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: dir,
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'Ada',
            GIT_AUTHOR_EMAIL: 'ada@example.com',
            GIT_COMMITTER_NAME: 'Ada',
            GIT_COMMITTER_EMAIL: 'ada@example.com',
            HOME: dir,
          },
        });
      git('init', '-q', '-b', 'main');
      writeFileSync(path.join(dir, 'a.txt'), 'a\n');
      git('add', '-A');
      git('commit', '-q', '-m', 'first');
      writeFileSync(path.join(dir, 'b.txt'), 'b\n');
      git('add', '-A');
      git('commit', '-q', '-m', 'second');
      const gitSource = await t
        .http()
        .post('/api/v1/sources')
        .set(owner.auth)
        .send({ name: 'local-repo', source_type: 'git', config: { path: dir } })
        .expect(201);
      const gitJob = await syncAndWait(gitSource.body.id);
      expect(gitJob.error).toBeNull();
      expect(gitJob.status).toBe('succeeded');
      expect(await labelsOf(gitSource.body.id)).toEqual({ Commit: 2, Person: 1, File: 2 });
      const log = await t
        .http()
        .post(`/api/v1/sources/${gitSource.body.id}/tools/log/execute`)
        .set(owner.auth)
        .send({ args: {} })
        .expect(200);
      expect(JSON.stringify(log.body)).toContain('second');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mcp stdio source: tools discovered from the server and executed (env kept secret)', async () => {
    const everything = path.join(
      path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
      'dist/index.js',
    );
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({
        name: 'everything',
        source_type: 'mcp',
        config: {
          transport: 'stdio',
          command: process.execPath,
          args: [everything, 'stdio'],
          env: { DEMO_TOKEN: 'abc' },
        },
      })
      .expect(201);
    expect(created.body.config).toMatchObject({ transport: 'stdio', env: '***' });
    const tools = await t.http().get(`/api/v1/sources/${created.body.id}/tools`).set(owner.auth).expect(200);
    const echo = tools.body.items.find((x: any) => x.name === 'echo');
    expect(echo).toMatchObject({ effect: 'read' });
    const run = await t
      .http()
      .post(`/api/v1/sources/${created.body.id}/tools/echo/execute`)
      .set(owner.auth)
      .send({ args: { message: 'via the API' } })
      .expect(200);
    expect(JSON.stringify(run.body)).toContain('Echo: via the API');
    // deleting the source closes its MCP client (and the stdio server process)
    const before = mcpClientPool.size;
    expect(before).toBeGreaterThan(0);
    await t.http().delete(`/api/v1/sources/${created.body.id}`).set(owner.auth).expect(204);
    expect(mcpClientPool.size).toBe(before - 1);
  });

  it('kubernetes source: create (token masked), tools, list_pods, sync into the graph', async () => {
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({ name: 'prod-cluster', source_type: 'kubernetes', config: { server: kube.url, token: kube.token } })
      .expect(201);
    expect(created.body).toMatchObject({
      source_type: 'kubernetes',
      realm: 'infrastructure',
      config: { server: kube.url, token: '***' },
    });
    const id = created.body.id;

    const tools = await t.http().get(`/api/v1/sources/${id}/tools`).set(owner.auth).expect(200);
    const byName = Object.fromEntries(tools.body.items.map((x: any) => [x.name, x]));
    expect(byName.list_pods.effect).toBe('read');
    expect(byName.delete_pod.effect).toBe('destructive');

    const run = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/list_pods/execute`)
      .set(owner.auth)
      .send({ args: { namespace: 'prod' } })
      .expect(200);
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

    const pods = await t
      .http()
      .get('/api/v1/graph/nodes')
      .query({ label: 'Pod', source_id: id })
      .set(owner.auth)
      .expect(200);
    expect(pods.body.items.map((n: any) => n.name).sort()).toEqual([
      'coredns-6f6b679f8f-pqrst',
      'web-7d9f8b6c5d-abcde',
      'web-7d9f8b6c5d-fghij',
      'worker-5c6b7d8e9f-klmno',
    ]);
  });
});
