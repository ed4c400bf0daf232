/**
 * The egress guard: an org owner points sources at an "internal" address (127.0.0.2, under every
 * spelling a URL parser accepts, or through a 302 from an allowed server) and is refused with 422
 * `egress_forbidden` on create, validate, update, sync, direct tool execution and in the chat loop.
 * The internal server's request log proves nothing reached it; the same sources on 127.0.0.1 (the
 * tests' EGRESS_ALLOW) work.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { registerOwner, type TestUser } from '../../factories/users';
import { startTestApp, type TestApp } from '../../setup/test-app';
import { startEgressTargets, type EgressTargets } from '../../support/connectors/fake-egress-targets';
import { startFakeGitHubApi, type FakeGitHubApi } from '../../support/connectors/fake-github-api';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fake-openai-server';
import { openSse } from '../chat-helpers';
import { suitePrefix, testUploadDir, waitForJob } from '../sources-helpers';

describe('hostile tenant: outbound connections go through the egress guard', () => {
  let t: TestApp;
  let targets: EgressTargets;
  let gh: FakeGitHubApi;
  let fake: FakeOpenAI;
  let owner: TestUser;
  let root: string;
  /** what the allowed server answers for /data.csv: the file, or a redirect to the internal server */
  let csvRedirects = false;

  const openapiSpec = (servers: string) => ({
    openapi: '3.0.0',
    info: { title: 'allowed', version: '1' },
    servers: [{ url: servers }],
    paths: {
      '/hello': { get: { operationId: 'hello' } },
      '/redirect/leak': { get: { operationId: 'leak' } },
    },
  });

  /** a stateless streamable-HTTP MCP server (no standalone event stream) */
  function serveMcp(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const mcp = new McpServer({ name: 'allowed-mcp', version: '1.0.0' });
    mcp.registerTool('ping', { description: 'Ping', annotations: { readOnlyHint: true } }, () =>
      Promise.resolve({ content: [{ type: 'text' as const, text: 'pong' }] }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    void mcp.connect(transport).then(() => transport.handleRequest(req, res));
  }

  function allowedRoutes(req: IncomingMessage, res: ServerResponse, allowedUrl: string) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/openapi.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(openapiSpec(allowedUrl)));
    } else if (url.pathname === '/hello') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
    } else if (url.pathname === '/data.csv') {
      if (csvRedirects) {
        res.writeHead(302, { location: `http://127.0.0.2:${targets.internalPort}/data.csv` }).end();
      } else {
        res.writeHead(200, { 'content-type': 'text/csv' }).end('id,name\n1,ada\n2,bob\n');
      }
    } else if (url.pathname === '/mcp') {
      serveMcp(req, res);
    } else {
      // the bare repository over git's dumb http protocol
      const file = path.join(root, 'served', url.pathname);
      if (file.startsWith(path.join(root, 'served', 'repo.git')) && existsSync(file) && statSync(file).isFile()) {
        createReadStream(file).pipe(res);
      } else {
        res.writeHead(404).end();
      }
    }
  }

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'agentcy-egress-e2e-'));
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: root,
    };
    const work = path.join(root, 'work');
    const bare = path.join(root, 'served', 'repo.git');
    execFileSync('git', ['init', '-q', '-b', 'main', work], { env });
    writeFileSync(path.join(work, 'README.md'), '# allowed\n');
    execFileSync('git', ['add', '-A'], { cwd: work, env });
    execFileSync('git', ['commit', '-q', '-m', 'first'], { cwd: work, env });
    execFileSync('git', ['clone', '-q', '--bare', work, bare], { env });
    execFileSync('git', ['update-server-info'], { cwd: bare, env });

    [targets, gh, fake] = await Promise.all([
      startEgressTargets(allowedRoutes),
      startFakeGitHubApi(),
      startFakeOpenAI(),
    ]);
    t = await startTestApp({
      ...fake.apiEnv,
      REDIS_PREFIX: suitePrefix('egress'),
      UPLOAD_DIR: testUploadDir(),
      SSE_PING_INTERVAL_MS: '250',
    });
    owner = await registerOwner(t, 'egress');
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([targets?.close(), gh?.close(), fake?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  afterEach(() => expect(targets.internalHits).toEqual([]));

  const create = (name: string, source_type: string, config: Record<string, unknown>) =>
    t.http().post('/api/v1/sources').set(owner.auth).send({ name, source_type, config });

  const expectRefused = (res: { status: number; body: any }) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 422, code: 'egress_forbidden' });
    expect(res.body.error.details).toMatchObject({ host: expect.any(String), reason: expect.any(String) });
    expect(res.body.error.details).toHaveProperty('address');
  };

  /** each type, each spelling of 127.0.0.2 and a redirect from 127.0.0.1: refused on create, nothing stored */
  const configs: Record<string, (url: string) => Record<string, unknown>> = {
    openapi: (url) => ({ spec_url: url }),
    csv: (url) => ({ url, key_column: 'id' }),
    mcp: (url) => ({ transport: 'http', url }),
    github: (url) => ({ token: 'ghp_full', owner: 'acme', base_url: url }),
    git: (url) => ({ url }),
    kubernetes: (url) => ({ server: url.replace(/\/$/, ''), token: 't' }),
  };

  it.each(Object.keys(configs))(
    '%s: every spelling of the internal address and a redirect are refused',
    async (type) => {
      const expectFor = (url: string, res: { status: number; body: any }) => {
        if (!url.includes('/redirect/')) {
          expectRefused(res);
        } else if (type === 'mcp') {
          // the MCP SDK does not follow a cross-origin redirect at all
          expect(res.status).toBe(422);
        } else if (type === 'git' || type === 'kubernetes') {
          // git and the Kubernetes client follow no redirects: the remote is unreachable
          expect(res.body.error).toMatchObject({ code: 'source_validation_failed', details: { kind: 'unreachable' } });
        } else {
          expectRefused(res);
        }
      };
      const urls = [...targets.internalUrls('x'), targets.redirectUrl('x')];
      for (const [i, url] of urls.entries()) {
        expectFor(url, await create(`${type}-inside-${i}`, type, configs[type](url)));
        expectFor(
          url,
          await t
            .http()
            .post('/api/v1/sources/validate')
            .set(owner.auth)
            .send({ source_type: type, config: configs[type](url) }),
        );
      }
      const listed = await t.http().get('/api/v1/sources').set(owner.auth).expect(200);
      expect(listed.body.items.filter((s: { name: string }) => s.name.startsWith(`${type}-inside-`))).toEqual([]);
    },
  );

  it('refusals are audited for the org (category policy, action egress.denied)', async () => {
    expectRefused(await create('audited', 'csv', configs.csv(targets.internalUrls('audit.csv')[0])));
    const deadline = Date.now() + 5000;
    let items: any[] = [];
    while (Date.now() < deadline) {
      const r = await t
        .http()
        .get('/api/v1/activity/audit')
        .query({ category: 'policy', action: 'egress.denied' })
        .set(owner.auth)
        .expect(200);
      items = r.body.items;
      if (items.length) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(items.length).toBeGreaterThan(0);
    expect(items[0]).toMatchObject({
      org_id: owner.orgId,
      category: 'policy',
      action: 'egress.denied',
      target: { address: '127.0.0.2' },
      details: { reason: 'loopback' },
    });
  });

  it('the same sources on 127.0.0.1 (EGRESS_ALLOW) work', async () => {
    const allowed = targets.allowedUrl;
    const openapi = await create('openapi-ok', 'openapi', { spec_url: `${allowed}/openapi.json` }).expect(201);
    const hello = await t
      .http()
      .post(`/api/v1/sources/${openapi.body.id}/tools/hello/execute`)
      .set(owner.auth)
      .send({ args: {} })
      .expect(200);
    expect(hello.body.result).toMatchObject({ status: 200, body: { hello: 'world' } });
    await create('csv-ok', 'csv', configs.csv(`${allowed}/data.csv`)).expect(201);
    const mcp = await create('mcp-ok', 'mcp', configs.mcp(`${allowed}/mcp`)).expect(201);
    expect(mcp.body.status).toBe('ready');
    await create('github-ok', 'github', configs.github(gh.url)).expect(201);
    const git = await create('git-ok', 'git', configs.git(`${allowed}/repo.git`)).expect(201);
    await t.http().post(`/api/v1/sources/${git.body.id}/validate`).set(owner.auth).expect(200);
  });

  it('validate, update and sync of a stored source whose target turned internal answer egress_forbidden', async () => {
    csvRedirects = false;
    const src = await create('csv-turns', 'csv', configs.csv(`${targets.allowedUrl}/data.csv`)).expect(201);
    csvRedirects = true;
    try {
      expectRefused(await t.http().post(`/api/v1/sources/${src.body.id}/validate`).set(owner.auth));
      const job = await t.http().post(`/api/v1/sources/${src.body.id}/sync`).set(owner.auth).send({}).expect(202);
      const done = await waitForJob(t, owner.auth, src.body.id, job.body.id, ['failed', 'succeeded']);
      expect(done).toMatchObject({ status: 'failed', error: { code: 'egress_forbidden' } });
    } finally {
      csvRedirects = false;
    }
    expectRefused(
      await t
        .http()
        .patch(`/api/v1/sources/${src.body.id}`)
        .set(owner.auth)
        .send({ config: { url: targets.internalUrls('data.csv')[1] } }),
    );
  });

  it("an org's OpenAPI document pointing inside: servers refused on create, a redirecting operation at call time", async () => {
    expectRefused(await create('servers-inside', 'openapi', { spec: openapiSpec(targets.internalUrls()[2]) }));

    const src = await create('redirecting-api', 'openapi', { spec: openapiSpec(targets.allowedUrl) }).expect(201);
    // the direct endpoint
    expectRefused(
      await t.http().post(`/api/v1/sources/${src.body.id}/tools/leak/execute`).set(owner.auth).send({ args: {} }),
    );
    // the manual tool call of a conversation
    const conv = (
      await t.http().post('/api/v1/chat/conversations').set(owner.auth).send({ title: 'egress' }).expect(201)
    ).body.id as string;
    const manual = await t
      .http()
      .post(`/api/v1/chat/conversations/${conv}/tool-calls`)
      .set(owner.auth)
      .send({ tool: 'redirecting-api.leak', arguments: {} })
      .expect(200);
    expect(manual.body).toMatchObject({ status: 'failed', error: { code: 'egress_forbidden' } });
    expect(manual.body.error.message).toContain('127.0.0.2');
    // the chat loop: the model gets the refusal as the tool's result
    fake.reset();
    fake.script(
      { toolCalls: [{ name: 'execute_connector_tool', arguments: { tool: 'redirecting-api.leak', arguments: {} } }] },
      { text: 'That address is not allowed.' },
    );
    const s = await openSse(`${t.baseUrl}/api/v1/chat/conversations/${conv}/messages`, {
      headers: owner.auth,
      body: { content: 'call leak' },
    });
    await s.done;
    expect(s.events.find((e) => e.event === 'tool_result')?.data).toMatchObject({
      status: 'failed',
      error: { code: 'egress_forbidden' },
    });
    const toolMessage = (fake.requests[1].body as { messages: { role: string; content: string }[] }).messages.find(
      (m) => m.role === 'tool',
    );
    expect(toolMessage?.content).toContain('egress_forbidden');
  });
});
