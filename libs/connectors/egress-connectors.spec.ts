import { EgressPolicy } from '@libs/egress/egress-policy';
import { EgressForbiddenError } from '@libs/egress/egress.errors';
import { OrgEgress } from '@libs/egress/org-egress';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectorContext, rejectsWith, testEgress } from '../../test/support/connectors/connector-context';
import { startEgressTargets, type EgressTargets } from '../../test/support/connectors/fake-egress-targets';
import type { ConnectorDefinition } from './connector';
import { ConnectorConfigError } from './connector';
import { csvConnector } from './csv/csv.connector';
import { gitConnector, guardRemote } from './git/git.connector';
import { githubConnector } from './github/github.connector';
import { kubernetesConnector } from './kubernetes/kubernetes.connector';
import { McpClientPool } from './mcp/mcp-client-pool';
import { mcpClientPool, mcpConnector } from './mcp/mcp.connector';
import { openapiConnector } from './openapi/openapi.connector';

/**
 * Every connector that opens a network connection for an org goes through the org's egress guard
 * (tests allow 127.0.0.1): the internal server on 127.0.0.2 is never reached, under any spelling of
 * its address, directly or through a redirect from an allowed server.
 */
describe('connectors connect through the egress guard', () => {
  let targets: EgressTargets;
  let root: string;
  let bare: string;
  const savedUploadDir = process.env.UPLOAD_DIR;

  const validate = <C>(def: ConnectorDefinition<C>, config: C) =>
    def.validate(connectorContext(config, { sourceId: `egress-${def.type}` }));
  const refused = async (p: Promise<unknown>) => {
    const e = await rejectsWith(p, EgressForbiddenError);
    expect(e.code).toBe('egress_forbidden');
    expect(e.details).toMatchObject({ host: expect.any(String), reason: expect.any(String) });
    return e;
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'agentcy-egress-'));
    process.env.UPLOAD_DIR = path.join(root, 'uploads');
    const work = path.join(root, 'work');
    bare = path.join(root, 'served', 'repo.git');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: root,
    };
    execFileSync('git', ['init', '-q', '-b', 'main', work], { env });
    writeFileSync(path.join(work, 'README.md'), '# served over dumb http\n');
    execFileSync('git', ['add', '-A'], { cwd: work, env });
    execFileSync('git', ['commit', '-q', '-m', 'first'], { cwd: work, env });
    execFileSync('git', ['clone', '-q', '--bare', work, bare], { env });
    execFileSync('git', ['update-server-info'], { cwd: bare, env });
    targets = await startEgressTargets((req, res) => {
      // the bare repository over git's dumb http protocol
      const file = path.join(root, 'served', new URL(req.url ?? '/', 'http://x').pathname);
      if (file.startsWith(bare) && existsSync(file) && statSync(file).isFile()) {
        createReadStream(file).pipe(res);
        return;
      }
      res.writeHead(404).end();
    });
  });

  afterAll(async () => {
    await Promise.all([targets.close(), mcpClientPool.closeAll()]);
    rmSync(root, { recursive: true, force: true });
    process.env.UPLOAD_DIR = savedUploadDir;
  });

  afterEach(() => expect(targets.internalHits).toEqual([]));

  it('openapi: the spec URL, its redirect, and base_url are checked', async () => {
    for (const url of targets.internalUrls('openapi.json')) {
      const e = await refused(validate(openapiConnector, { spec_url: url }));
      expect(e.details).toMatchObject({ address: expect.stringMatching(/127\.0\.0\.2|7f00:2/), reason: 'loopback' });
    }
    await refused(validate(openapiConnector, { spec_url: targets.redirectUrl('openapi.json') }));
    const spec = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: { '/x': { get: {} } } };
    await refused(validate(openapiConnector, { spec, base_url: targets.internalUrls()[1] }));
  });

  it("openapi: a document's servers URL and an operation's redirect are refused at call time", async () => {
    const inside = {
      openapi: '3.0.0',
      info: { title: 'inside', version: '1' },
      servers: [{ url: targets.internalUrls()[0] }],
      paths: { '/leak': { get: { operationId: 'leak' } } },
    };
    const ctx = connectorContext({ spec: inside });
    await refused(openapiConnector.executeTool(ctx, 'leak', {}));
    await refused(openapiConnector.validate(ctx));

    const redirecting = {
      openapi: '3.0.0',
      info: { title: 'redirecting', version: '1' },
      servers: [{ url: targets.allowedUrl }],
      paths: { '/redirect/leak': { get: { operationId: 'leak' } } },
    };
    await refused(openapiConnector.executeTool(connectorContext({ spec: redirecting }), 'leak', {}));
  });

  it('csv/json by URL', async () => {
    for (const url of targets.internalUrls('data.csv')) {
      await refused(validate(csvConnector, { url, key_column: 'id' }));
    }
    await refused(validate(csvConnector, { url: targets.redirectUrl('data.csv'), key_column: 'id' }));
  });

  it('mcp over http and sse: refused before the SDK connects', async () => {
    for (const url of targets.internalUrls('mcp')) {
      await refused(validate(mcpConnector, { transport: 'http' as const, url }));
    }
    await refused(validate(mcpConnector, { transport: 'sse' as const, url: targets.internalUrls('sse')[0] }));
    // a redirect never reaches the internal server either
    await rejectsWith(validate(mcpConnector, { transport: 'http' as const, url: targets.redirectUrl('mcp') }), Error);
  });

  it('mcp clients are pooled per org, so one org never uses a client connected for another', () => {
    const other = new OrgEgress('org-2', new EgressPolicy(['127.0.0.1']));
    const config = { transport: 'http' as const, url: `${targets.allowedUrl}/mcp` };
    expect(McpClientPool.keyFor({ sourceId: '', egress: testEgress }, config)).not.toBe(
      McpClientPool.keyFor({ sourceId: '', egress: other }, config),
    );
  });

  it('github: base_url and redirects from it', async () => {
    for (const url of targets.internalUrls('api/v3')) {
      await refused(validate(githubConnector, { token: 't', base_url: url }));
    }
    await refused(validate(githubConnector, { token: 't', base_url: targets.redirectUrl('api/v3') }));
  });

  it('kubernetes: the API server URL (inline config and kubeconfig); redirects are not followed', async () => {
    for (const server of targets.internalUrls()) {
      await refused(validate(kubernetesConnector, { server, token: 't' }));
    }
    const kubeconfig = [
      'apiVersion: v1',
      'clusters: [{name: c, cluster: {server: "http://2130706434:' + targets.internalPort + '"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n');
    await refused(validate(kubernetesConnector, { kubeconfig }));
    const e = await rejectsWith(
      validate(kubernetesConnector, { server: targets.redirectUrl('').replace(/\/$/, ''), token: 't' }),
      ConnectorConfigError,
    );
    expect(e.details).toMatchObject({ status: 302 });
  });

  it('git over http(s): checked, pinned to the checked address, no redirects', async () => {
    for (const url of targets.internalUrls('repo.git')) {
      await refused(validate(gitConnector, { url }));
    }
    const redirected = await rejectsWith(
      validate(gitConnector, { url: targets.redirectUrl('repo.git') }),
      ConnectorConfigError,
    );
    expect(redirected.kind).toBe('unreachable');

    const port = new URL(targets.allowedUrl).port;
    const url = `http://localhost:${port}/repo.git`;
    const remote = await guardRemote({ url, token: 's3cret' }, testEgress);
    expect(remote.config).toEqual([
      'http.followRedirects=false',
      'http.proxy=',
      `http.curloptResolve=localhost:${port}:127.0.0.1`,
    ]);
    expect(remote.url).toBe(`http://x-access-token:s3cret@localhost:${port}/repo.git`);
    const ok = await validate(gitConnector, { url });
    expect(ok.info).toMatchObject({ commits: 1 });
  });

  it('git over ssh and git://: host access, and the host is still checked', async () => {
    expect(gitConnector.hostAccess?.({ url: 'ssh://git@example.com/x.git' })).toContain('SSH');
    expect(gitConnector.hostAccess?.({ url: 'git@example.com:x.git' })).toContain('SSH');
    expect(gitConnector.hostAccess?.({ url: 'git://example.com/x.git' })).toContain('git://');
    expect(gitConnector.hostAccess?.({ url: 'https://example.com/x.git' })).toBeNull();
    await refused(validate(gitConnector, { url: 'ssh://git@127.0.0.2/x.git' }));
    await refused(validate(gitConnector, { url: 'git@127.0.0.2:x.git' }));
    await refused(validate(gitConnector, { url: `git://127.0.0.2:${targets.internalPort}/x.git` }));
  });
});
