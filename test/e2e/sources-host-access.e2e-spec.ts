import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loginAdmin, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { startFakeKubeApi, type FakeKubeApi } from '../support/connectors/fake-kube-api';

/**
 * Sources that act on the API host (mcp stdio runs a command, git `path`/`file:` and kubeconfig
 * paths read its files, kubernetes `in_cluster` uses its service account) are an install-level
 * privilege: an org owner of a self-registered org must not get a shell on the server.
 */
describe('sources: configs that act on the API host (CONNECTOR_HOST_ACCESS)', () => {
  let t: TestApp;
  let kube: FakeKubeApi;
  let owner: TestUser;
  let repo: string;

  beforeAll(async () => {
    [t, kube] = await Promise.all([startTestApp(), startFakeKubeApi()]);
    owner = await registerOwner(t, 'hostaccess');
    repo = mkdtempSync(path.join(os.tmpdir(), 'agentcy-host-access-'));
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
      HOME: repo,
    };
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
    writeFileSync(path.join(repo, 'README.md'), '# demo\n');
    execFileSync('git', ['add', '-A'], { cwd: repo, env });
    execFileSync('git', ['commit', '-q', '-m', 'first'], { cwd: repo, env });
  });
  afterAll(async () => {
    await Promise.all([t.close(), kube.close()]);
    rmSync(repo, { recursive: true, force: true });
  });

  /** sends the request as the org owner and expects the 403 naming what the config would do */
  const refused = async (method: 'post' | 'patch', url: string, body: object, hostAccess: string) => {
    const res = await t.http()[method](url).set(owner.auth).send(body).expect(403);
    expect(res.body.error).toMatchObject({
      code: 'host_access_forbidden',
      details: { host_access: expect.stringContaining(hostAccess), policy: 'platform_admin' },
    });
  };

  it('an org owner cannot create, validate or reconfigure such sources (403, nothing stored, nothing run)', async () => {
    const marker = path.join(repo, 'pwned');
    const stdio = { transport: 'stdio', command: 'touch', args: [marker] };
    await refused('post', '/api/v1/sources', { name: 'shell', source_type: 'mcp', config: stdio }, 'runs a command');
    await refused('post', '/api/v1/sources/validate', { source_type: 'mcp', config: stdio }, 'runs a command');
    await refused(
      'post',
      '/api/v1/sources',
      { name: 'repo', source_type: 'git', config: { path: repo } },
      'file system',
    );
    const fileUrl = { source_type: 'git', config: { url: `file://${repo}` } };
    await refused('post', '/api/v1/sources/validate', fileUrl, 'file system');
    const kubeconfigPath = { source_type: 'kubernetes', config: { kubeconfig: '/etc/hostname' } };
    await refused('post', '/api/v1/sources/validate', kubeconfigPath, 'kubeconfig file');
    expect(existsSync(marker)).toBe(false);

    // a remote cluster is fine; switching it to the API's own service account is not
    const k = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({ name: 'remote', source_type: 'kubernetes', config: { server: kube.url, token: kube.token } })
      .expect(201);
    await refused(
      'patch',
      `/api/v1/sources/${k.body.id}`,
      { config: { in_cluster: true, server: null } },
      'service account',
    );
    expect((await t.http().get('/api/v1/sources').set(owner.auth).expect(200)).body.total).toBe(1);
    const audit = await t.http().get('/api/v1/activity/audit?result=denied').set(owner.auth).expect(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
  });

  it('a platform admin can (a local git repository becomes a source)', async () => {
    const admin = await loginAdmin(t);
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(admin.auth)
      .send({ name: `host-repo-${Date.now()}`, source_type: 'git', config: { path: repo } })
      .expect(201);
    expect(created.body).toMatchObject({ source_type: 'git', status: 'ready' });
    await t.http().delete(`/api/v1/sources/${created.body.id}`).set(admin.auth).expect(204);
  });

  it('CONNECTOR_HOST_ACCESS=org_admin lets org admins do it; off refuses everyone', async () => {
    const open = await startTestApp({ CONNECTOR_HOST_ACCESS: 'org_admin' });
    try {
      const o = await registerOwner(open, 'hostopen');
      await open
        .http()
        .post('/api/v1/sources')
        .set(o.auth)
        .send({ name: 'repo', source_type: 'git', config: { path: repo } })
        .expect(201);
    } finally {
      await open.close();
    }
    const off = await startTestApp({ CONNECTOR_HOST_ACCESS: 'off' });
    try {
      const admin = await loginAdmin(off);
      const res = await off
        .http()
        .post('/api/v1/sources/validate')
        .set(admin.auth)
        .send({ source_type: 'git', config: { path: repo } })
        .expect(403);
      expect(res.body.error).toMatchObject({ code: 'host_access_forbidden', details: { policy: 'off' } });
    } finally {
      await off.close();
    }
  });
});
