import { ServiceTokenService } from '@libs/auth/service-token.service';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxSessionsContract, type SandboxPortTarget } from 'src/modules/ciab-native/sandbox-sessions.contract';
import WebSocket from 'ws';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { startFakeSandboxApp, type FakeSandboxApp } from '../support/fake-sandbox-app';

/** An echo of the stand-in app, or an error envelope of the API. */
type Answer = Record<string, unknown> & { error: { code: string; details?: Record<string, unknown> } };

/**
 * The preview proxy against local stand-in apps. CiabNativeModule is imported by the preview
 * module explicitly, so an extra test module cannot take its SandboxSessionsContract's place
 * (Nest resolves explicit imports before global ones): the test points the contract instance's
 * two methods at a table of sessions instead.
 */
describe('sandbox preview proxy', () => {
  let t: TestApp;
  let tokens: ServiceTokenService;
  let a: TestUser;
  let b: TestUser;
  let app3000: FakeSandboxApp;
  let app3001: FakeSandboxApp;
  let appB: FakeSandboxApp;
  let appSock: FakeSandboxApp;
  let sockDir: string;
  let deadPort = 0;
  const touched: string[] = [];
  let table: Record<
    string,
    {
      org: string;
      status: SandboxPortTarget['sessionStatus'];
      ports: Record<number, SandboxPortTarget['connect'] | null>;
    }
  >;

  beforeAll(async () => {
    app3000 = await startFakeSandboxApp('A3000');
    app3001 = await startFakeSandboxApp('A3001');
    appB = await startFakeSandboxApp('B3000');
    sockDir = mkdtempSync(join(tmpdir(), 'preview-'));
    appSock = await startFakeSandboxApp('SOCK', join(sockDir, 'port-8080.sock'));
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
    deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));

    t = await startTestApp({ PREVIEW_TOKEN_TTL_SECS: '600' });
    tokens = t.app.get(ServiceTokenService, { strict: false });
    a = await registerOwner(t, 'prev-a');
    b = await registerOwner(t, 'prev-b');
    table = {
      sessA: {
        org: a.orgId,
        status: 'running',
        ports: {
          3000: app3000.connect,
          3001: app3001.connect,
          4000: null,
          5000: { host: '127.0.0.1', port: deadPort },
          8080: appSock.connect,
        },
      },
      sessB: { org: b.orgId, status: 'running', ports: { 3000: appB.connect } },
      sessEnded: { org: a.orgId, status: 'terminated', ports: { 3000: app3000.connect } },
      sessFailed: { org: a.orgId, status: 'failed', ports: { 3000: app3000.connect } },
    };
    const contract = t.app.get(SandboxSessionsContract, { strict: false });
    jest.spyOn(contract, 'portTarget').mockImplementation(async (orgId, sid, port) => {
      const s = table[sid];
      if (!s || s.org !== orgId) {
        return null;
      }
      const connect = s.ports[port];
      return { sessionStatus: s.status, bound: !!connect, connect: connect ?? { host: '127.0.0.1', port: 1 } };
    });
    jest.spyOn(contract, 'touch').mockImplementation(async (orgId, sid) => void touched.push(`${orgId}/${sid}`));
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([app3000, app3001, appB, appSock].map((x) => x?.close()));
    rmSync(sockDir, { recursive: true, force: true });
  });

  const mint = (org: string, sid: string, port: number, ttl = 600) => tokens.mintPreviewToken(org, sid, port, ttl);

  /** A raw request: the path goes on the wire exactly as written (no client-side `..` resolution). */
  function raw(
    path: string,
    headers: Record<string, string> = {},
    method = 'GET',
    body?: string,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; json: () => Answer }> {
    const { port } = new URL(t.baseUrl);
    return new Promise((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: Number(port), path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: text,
            json: () => JSON.parse(text) as Answer,
          });
        });
      });
      r.on('error', reject);
      r.end(body);
    });
  }

  it('forwards method, path and query minus token; no Authorization/Cookie upstream; sets the path-scoped cookie', async () => {
    const tok = await mint(a.orgId, 'sessA', 3000);
    const res = await raw(`/sandbox/preview/sessA/3000/echo/deep?a=1&token=${tok}&b=two`, {
      authorization: a.auth.Authorization,
      cookie: 'theirs=1; agentcy_preview=stale',
    });
    expect(res.status).toBe(200);
    const seen = res.json();
    expect(seen).toMatchObject({ app: 'A3000', method: 'GET', url: '/echo/deep?a=1&b=two' });
    const up = app3000.requests[app3000.requests.length - 1];
    expect(up.headers.authorization).toBeUndefined();
    expect(up.headers.cookie).toBeUndefined();
    expect(up.headers.host).toBe('localhost:3000');
    expect(up.headers['x-forwarded-prefix']).toBe('/sandbox/preview/sessA/3000');
    expect(JSON.stringify(up)).not.toContain(tok);
    expect(JSON.stringify(up)).not.toContain(a.token);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookie).toHaveLength(1);
    expect(cookie[0]).toMatch(
      new RegExp(
        `^agentcy_preview=${tok}; Path=/sandbox/preview/sessA/3000/; Max-Age=(59\\d|600); HttpOnly; SameSite=Lax$`,
      ),
    );
    // framing allowed for the preview (the app's own X-Frame-Options passes through), no API CSP
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(touched).toContain(`${a.orgId}/sessA`);
  });

  it('sub-resources load with the cookie alone; POST bodies and other methods pass', async () => {
    const tok = await mint(a.orgId, 'sessA', 3000);
    const css = await raw('/sandbox/preview/sessA/3000/static/app.css', { cookie: `x=1; agentcy_preview=${tok}` });
    expect(css.status).toBe(200);
    expect(css.json()).toMatchObject({ url: '/static/app.css' });
    expect(css.headers['set-cookie']).toBeUndefined();
    const post = await raw(
      '/sandbox/preview/sessA/3000/api/items',
      { cookie: `agentcy_preview=${tok}`, 'content-type': 'application/json' },
      'POST',
      '{"name":"x"}',
    );
    expect(post.json()).toMatchObject({ method: 'POST', body: '{"name":"x"}' });
    const put = await raw(
      `/sandbox/preview/sessA/3000/f.txt?token=${tok}`,
      { 'content-type': 'text/plain' },
      'PUT',
      'hello',
    );
    expect(put.json()).toMatchObject({ method: 'PUT', body: 'hello', url: '/f.txt' });
    const del = await raw(`/sandbox/preview/sessA/3000/items/1?token=${tok}`, {}, 'DELETE');
    expect(del.json()).toMatchObject({ method: 'DELETE', url: '/items/1' });
  });

  it('the /api/v1 alias serves the same, with its own cookie path; the root without a slash works', async () => {
    const tok = await mint(a.orgId, 'sessA', 3000);
    const res = await raw(`/api/v1/sandbox/preview/sessA/3000/x?token=${tok}`);
    expect(res.json()).toMatchObject({ app: 'A3000', url: '/x' });
    expect(String(res.headers['set-cookie'])).toContain('Path=/api/v1/sandbox/preview/sessA/3000/;');
    const root = await raw(`/sandbox/preview/sessA/3000?token=${tok}`);
    expect(root.json()).toMatchObject({ url: '/' });
    const unix = await raw(`/sandbox/preview/sessA/8080/?token=${await mint(a.orgId, 'sessA', 8080)}`);
    expect(unix.json()).toMatchObject({ app: 'SOCK', url: '/' });
  });

  it('rewrites Location to keep the prefix; external redirects stay; the app cannot set cookies on the API origin', async () => {
    const tok = await mint(a.orgId, 'sessA', 3000);
    const rel = await raw(`/sandbox/preview/sessA/3000/redirect?token=${tok}`);
    expect(rel.status).toBe(302);
    expect(rel.headers.location).toBe('/sandbox/preview/sessA/3000/login?next=%2F');
    const abs = await raw(`/api/v1/sandbox/preview/sessA/3000/abs-redirect?token=${tok}`);
    expect(abs.headers.location).toBe('/api/v1/sandbox/preview/sessA/3000/abs?x=1');
    const ext = await raw(`/sandbox/preview/sessA/3000/ext-redirect?token=${tok}`);
    expect(ext.headers.location).toBe('https://example.org/x');
    const ck = await raw('/sandbox/preview/sessA/3000/cookie', { cookie: `agentcy_preview=${tok}` });
    expect(ck.status).toBe(200);
    expect(JSON.stringify(ck.headers['set-cookie'] ?? [])).not.toContain('app_session');
  });

  it('streams SSE from the app', async () => {
    const tok = await mint(a.orgId, 'sessA', 3000);
    const res = await fetch(`${t.baseUrl}/sandbox/preview/sessA/3000/events?token=${tok}`);
    const reader = res.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toContain('A3000 first');
    app3000.release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += Buffer.from(r.value).toString();
    }
    expect(rest).toContain('A3000 last');
  });

  describe('attacks', () => {
    it('a token for session A never opens session B; a token for port 3000 never opens 3001 (query or cookie)', async () => {
      const tokA = await mint(a.orgId, 'sessA', 3000);
      const before = appB.requests.length + app3001.requests.length;
      for (const path of [
        `/sandbox/preview/sessB/3000/?token=${tokA}`,
        `/api/v1/sandbox/preview/sessB/3000/?token=${tokA}`,
        `/sandbox/preview/sessA/3001/?token=${tokA}`,
        `/sandbox/preview/sessA/03000/?token=${tokA}`,
      ]) {
        expect((await raw(path)).status).toBe(401);
      }
      expect((await raw('/sandbox/preview/sessB/3000/', { cookie: `agentcy_preview=${tokA}` })).status).toBe(401);
      expect((await raw('/sandbox/preview/sessA/3001/', { cookie: `agentcy_preview=${tokA}` })).status).toBe(401);
      expect(appB.requests.length + app3001.requests.length).toBe(before);
    });

    it('expired, forged, missing, pipeline and user tokens → 401', async () => {
      const expired = await mint(a.orgId, 'sessA', 3000, -5);
      const res = await raw(`/sandbox/preview/sessA/3000/?token=${expired}`);
      expect(res.status).toBe(401);
      expect(res.json().error.details).toMatchObject({ reason: 'token_expired' });
      expect((await raw('/sandbox/preview/sessA/3000/', { cookie: `agentcy_preview=${expired}` })).status).toBe(401);
      const good = await mint(a.orgId, 'sessA', 3000);
      const [h, p, s] = good.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sid: 'sessB' })).toString('base64url')}.${s}`;
      expect((await raw(`/sandbox/preview/sessB/3000/?token=${forged}`)).status).toBe(401);
      expect((await raw('/sandbox/preview/sessA/3000/')).status).toBe(401);
      const pipeline = await tokens.mintPipelineToken(a.orgId, 'run_1', 60);
      expect((await raw(`/sandbox/preview/sessA/3000/?token=${pipeline}`)).status).toBe(401);
      expect((await raw(`/sandbox/preview/sessA/3000/?token=${a.token}`)).status).toBe(401);
      expect((await raw('/sandbox/preview/sessA/3000/', { authorization: a.auth.Authorization })).status).toBe(401);
    });

    it('a token naming another org than the session’s → 404 (the session does not exist there)', async () => {
      const wrongOrg = await mint(b.orgId, 'sessA', 3000);
      const res = await raw(`/sandbox/preview/sessA/3000/?token=${wrongOrg}`);
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('A3000');
      expect((await raw(`/sandbox/preview/nope/3000/?token=${await mint(a.orgId, 'nope', 3000)}`)).status).toBe(404);
    });

    it('`..` in the wildcard (plain or encoded) stays inside the session’s own app', async () => {
      const tokA = await mint(a.orgId, 'sessA', 3000);
      const beforeB = appB.requests.length;
      const cases: [string, string][] = [
        ['/sandbox/preview/sessA/3000/../../sessB/3000/echo', '/sessB/3000/echo'],
        ['/sandbox/preview/sessA/3000/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/etc/passwd'],
        ['/sandbox/preview/sessA/3000/a/..%2f..%2fsecret', '/a/..%2f..%2fsecret'],
        ['/sandbox/preview/sessA/3000/..\\..\\x', '/..%5C..%5Cx'],
      ];
      for (const [path, upstream] of cases) {
        const res = await raw(`${path}?token=${tokA}`);
        expect(res.status).toBe(200);
        expect(res.json()).toMatchObject({ app: 'A3000', url: upstream });
      }
      expect(appB.requests.length).toBe(beforeB);
    });

    it('ended session → 410 session_ended; unbound port → 502 port_not_bound; refused → 502', async () => {
      for (const sid of ['sessEnded', 'sessFailed']) {
        const res = await raw(`/sandbox/preview/${sid}/3000/?token=${await mint(a.orgId, sid, 3000)}`);
        expect(res.status).toBe(410);
        expect(res.json().error.code).toBe('session_ended');
      }
      const unbound = await raw(`/sandbox/preview/sessA/4000/?token=${await mint(a.orgId, 'sessA', 4000)}`);
      expect(unbound.status).toBe(502);
      expect(unbound.json().error.code).toBe('port_not_bound');
      const refused = await raw(`/sandbox/preview/sessA/5000/?token=${await mint(a.orgId, 'sessA', 5000)}`);
      expect(refused.status).toBe(502);
      expect(refused.json().error.code).toBe('port_not_bound');
    });
  });

  describe('WebSocket', () => {
    const open = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ ws: WebSocket; first: string }>((resolve, reject) => {
        const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}${path}`, { headers });
        ws.once('message', (m) => resolve({ ws, first: m.toString() }));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
        ws.once('error', reject);
      });

    it('upgrades under the preview path with the query token or the cookie, both mounts', async () => {
      const tok = await mint(a.orgId, 'sessA', 3000);
      const { ws, first } = await open(`/sandbox/preview/sessA/3000/hmr?x=1&token=${tok}`, {
        authorization: a.auth.Authorization,
      });
      expect(first).toBe('hello A3000 /hmr?x=1');
      const echoed = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
      ws.send('ping');
      expect(await echoed).toBe('A3000:ping');
      ws.close();
      const up = app3000.upgrades[app3000.upgrades.length - 1];
      expect(up.headers.authorization).toBeUndefined();
      expect(up.headers.cookie).toBeUndefined();
      const viaCookie = await open('/api/v1/sandbox/preview/sessA/3000/socket', { cookie: `agentcy_preview=${tok}` });
      expect(viaCookie.first).toBe('hello A3000 /socket');
      viaCookie.ws.close();
    });

    it('refuses wrong scope (401), expired (401), unknown session (404), ended (410), unbound (502)', async () => {
      const tokA = await mint(a.orgId, 'sessA', 3000);
      await expect(open(`/sandbox/preview/sessB/3000/?token=${tokA}`)).rejects.toThrow('status 401');
      await expect(open(`/sandbox/preview/sessA/3001/?token=${tokA}`)).rejects.toThrow('status 401');
      await expect(open('/sandbox/preview/sessA/3001/', { cookie: `agentcy_preview=${tokA}` })).rejects.toThrow(
        'status 401',
      );
      await expect(
        open(`/sandbox/preview/sessA/3000/?token=${await mint(a.orgId, 'sessA', 3000, -5)}`),
      ).rejects.toThrow('status 401');
      await expect(open('/sandbox/preview/sessA/3000/')).rejects.toThrow('status 401');
      await expect(open(`/sandbox/preview/sessA/3000/?token=${await mint(b.orgId, 'sessA', 3000)}`)).rejects.toThrow(
        'status 404',
      );
      await expect(
        open(`/sandbox/preview/sessEnded/3000/?token=${await mint(a.orgId, 'sessEnded', 3000)}`),
      ).rejects.toThrow('status 410');
      await expect(open(`/sandbox/preview/sessA/4000/?token=${await mint(a.orgId, 'sessA', 4000)}`)).rejects.toThrow(
        'status 502',
      );
      expect(appB.upgrades).toHaveLength(0);
      expect(app3001.upgrades).toHaveLength(0);
    });
  });
});
