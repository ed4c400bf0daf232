import { AppException, NotFoundException } from '@libs/errors';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { armConnectTimeout, forwardHeaders, proxyHttp, proxyUpgrade, type ProxyOptions, type ProxyTarget } from '.';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const listen = (server: Server, at?: string): Promise<number> =>
  new Promise((resolve) =>
    at
      ? server.listen(at, () => resolve(0))
      : server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** The upstream: records requests; a few paths answer specially. */
let seen: Seen[] = [];
let releaseSse: (() => void) | null = null;
let upstreamSawClose = false;
const upstream = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: log\ndata: first\n\n');
      releaseSse = () => res.end('event: log\ndata: second\n\n');
      return;
    }
    if (req.url === '/hang') {
      res.on('close', () => (upstreamSawClose = true));
      return; // never answers
    }
    if (req.url === '/list') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-upstream': 'yes' });
      res.end(
        JSON.stringify([
          { id: 'a', org_id: 'org_1' },
          { id: 'b', org_id: 'org_2' },
        ]),
      );
      return;
    }
    if (req.url === '/redirect') {
      res.writeHead(302, { location: '/next?x=1', 'set-cookie': 'up=1' });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'dropped',
      'keep-alive': 'timeout=77',
    });
    res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString(), url: req.url }));
  });
});
const wss = new WebSocketServer({ noServer: true });
upstream.on('upgrade', (req, socket, head) => {
  if (req.url === '/ws-refuse') {
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 2\r\n\r\nno');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.send(`hello ${req.url} ${req.headers['x-added'] ?? ''} ${req.headers.cookie ?? 'no-cookie'}`);
    ws.on('message', (m) => ws.send(`echo:${m.toString()}`));
  });
});

let upstreamPort = 0;
let targetFor: (req: IncomingMessage) => { target: ProxyTarget; opts?: ProxyOptions };
/** The front: what an API handler does with the library. */
const front = createServer((req, res) => {
  const { target, opts } = targetFor(req);
  proxyHttp(req, res, target, opts).catch((err: Error) => {
    const e = err instanceof AppException ? err : new AppException(500, 'internal_error', err.message);
    res.writeHead(e.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }));
  });
});
front.on('upgrade', (req, socket, head) => proxyUpgrade(req, socket, head, targetFor(req).target));
let frontPort = 0;

const tcp = (path: string, extra: Partial<ProxyTarget> = {}): ProxyTarget => ({
  service: 'fake',
  connect: { host: '127.0.0.1', port: upstreamPort },
  path,
  ...extra,
});

function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port: frontPort, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    r.on('error', reject);
    r.end(init.body);
  });
}

beforeAll(async () => {
  upstreamPort = await listen(upstream);
  frontPort = await listen(front);
});
afterAll(async () => {
  releaseSse?.();
  wss.close();
  await close(front);
  await close(upstream);
});
beforeEach(() => {
  seen = [];
  targetFor = (req) => ({ target: tcp(req.url!) });
});

describe('proxyHttp', () => {
  it('forwards method, path, query and a streamed body; drops hop-by-hop and stripped headers; adds target headers', async () => {
    targetFor = () => ({
      target: tcp('/up/path?q=1', {
        stripHeaders: ['Authorization', 'cookie'],
        headers: { 'X-Added': 'yes', 'x-override': 'mine' },
      }),
    });
    const res = await call('/anything', {
      method: 'POST',
      headers: {
        authorization: 'Bearer caller-secret',
        cookie: 'sid=caller',
        'x-override': 'theirs',
        'x-kept': 'k',
        connection: 'keep-alive, x-conn-listed',
        'x-conn-listed': 'gone',
        'proxy-authorization': 'Basic zzz',
        'content-type': 'text/plain',
      },
      body: 'hello body',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ echo: 'hello body', url: '/up/path?q=1' });
    const h = seen[0].headers;
    expect(seen[0].method).toBe('POST');
    expect(h.authorization).toBeUndefined();
    expect(h.cookie).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h['x-conn-listed']).toBeUndefined();
    expect(h['x-added']).toBe('yes');
    expect(h['x-override']).toBe('mine');
    expect(h['x-kept']).toBe('k');
    // response: hop-by-hop headers and those the upstream listed in Connection are gone
    expect(res.headers['x-secret-hop']).toBeUndefined();
    expect(res.headers['keep-alive']).not.toBe('timeout=77');
  });

  it('sends a body the body parser already consumed (rawBody)', async () => {
    const parsing = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(req, { rawBody: Buffer.concat(chunks), body: { parsed: true } });
        void proxyHttp(req, res, tcp('/raw'));
      });
    });
    const port = await listen(parsing);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/x`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await res.json()).toEqual({ echo: '{"a":1}', url: '/raw' });
      expect(seen[0].headers['content-length']).toBe('7');
    } finally {
      await close(parsing);
    }
  });

  it('passes SSE through chunk by chunk (the first event arrives before the upstream finished)', async () => {
    const res = await fetch(`http://127.0.0.1:${frontPort}/sse`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toContain('data: first');
    expect(releaseSse).not.toBeNull();
    releaseSse!();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += Buffer.from(r.value).toString();
    }
    expect(rest).toContain('data: second');
  });

  it('transforms JSON responses, rewrites Location and sets headers', async () => {
    targetFor = (req) => ({
      target: tcp(req.url!),
      opts: {
        transformJson: (body, status) => ({
          status,
          items: (body as { org_id: string }[]).filter((o) => o.org_id === 'org_1'),
        }),
        rewriteLocation: (l) => `/prefix${l}`,
        setHeaders: { 'set-cookie': 'mine=1; Path=/prefix', 'x-set': 'v' },
      },
    });
    const list = await call('/list');
    expect(JSON.parse(list.body)).toEqual({ status: 200, items: [{ id: 'a', org_id: 'org_1' }] });
    expect(list.headers['content-length']).toBe(String(Buffer.byteLength(list.body)));
    expect(list.headers['x-upstream']).toBe('yes');
    const redirect = await call('/redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/prefix/next?x=1');
    expect(redirect.headers['set-cookie']).toEqual(['up=1', 'mine=1; Path=/prefix']);
    expect(redirect.headers['x-set']).toBe('v');
  });

  it('awaits beforeRespond before the caller gets anything; drops listed upstream response headers', async () => {
    const order: string[] = [];
    targetFor = (req) => ({
      target: tcp(req.url!),
      opts: {
        dropResponseHeaders: ['set-cookie', 'x-upstream'],
        beforeRespond: async (status) => {
          await new Promise((r) => setTimeout(r, 50));
          order.push(`hook ${status}`);
        },
      },
    });
    const redirect = await call('/redirect');
    order.push('answer');
    expect(order).toEqual(['hook 302', 'answer']);
    expect(redirect.headers['set-cookie']).toBeUndefined();
    const list = await call('/list');
    expect(list.headers['x-upstream']).toBeUndefined();
    targetFor = (req) => ({
      target: tcp(req.url!),
      opts: {
        beforeRespond: () => {
          throw new AppException(500, 'hook_failed', 'no');
        },
      },
    });
    expect(JSON.parse((await call('/list')).body).error.code).toBe('hook_failed');
  });

  it('requireJson: a non-JSON success never bypasses the transform; errors and empty answers pass', async () => {
    const plain = createServer((req, res) => {
      if (req.url === '/empty') {
        res.writeHead(204).end();
      } else if (req.url === '/err') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('org_2 secrets');
      }
    });
    const port = await listen(plain);
    try {
      targetFor = (req) => ({
        target: { service: 'fake', connect: { host: '127.0.0.1', port }, path: req.url! },
        opts: { transformJson: (b) => b, requireJson: true },
      });
      const res = await call('/x');
      expect(res.status).toBe(502);
      expect(res.body).not.toContain('secrets');
      expect((await call('/empty')).status).toBe(204);
      expect((await call('/err')).body).toBe('boom');
    } finally {
      await close(plain);
    }
  });

  it('an exception thrown by transformJson becomes the answer (e.g. 404 for another org)', async () => {
    targetFor = (req) => ({
      target: tcp(req.url!),
      opts: {
        transformJson: () => {
          throw new NotFoundException('Agent');
        },
      },
    });
    const res = await call('/list');
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('org_2');
  });

  it('connection refused → 503 sidecar_unavailable with details.service (or the target error)', async () => {
    const dead = createServer();
    const deadPort = await listen(dead);
    await close(dead);
    targetFor = () => ({ target: { service: 'openfang', connect: { host: '127.0.0.1', port: deadPort }, path: '/' } });
    const res = await call('/x');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'sidecar_unavailable', details: { service: 'openfang' } });

    targetFor = () => ({
      target: {
        service: 'preview',
        connect: { host: '127.0.0.1', port: deadPort },
        path: '/',
        unreachableError: () => new AppException(502, 'port_not_bound', 'nothing listens'),
      },
    });
    const own = await call('/x');
    expect(own.status).toBe(502);
    expect(JSON.parse(own.body).error.code).toBe('port_not_bound');
  });

  it('read timeout before the response starts → 503; the upstream request is abandoned', async () => {
    upstreamSawClose = false;
    targetFor = () => ({ target: tcp('/hang', { readTimeoutMs: 300 }) });
    const t = Date.now();
    const res = await call('/hang');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body).error.details).toMatchObject({ service: 'fake', reason: 'read_timeout' });
    expect(Date.now() - t).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(upstreamSawClose).toBe(true);
  });

  it('a caller that hangs up cancels the upstream request', async () => {
    upstreamSawClose = false;
    const ac = new AbortController();
    const pending = fetch(`http://127.0.0.1:${frontPort}/hang`, { signal: ac.signal }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 200));
    ac.abort();
    expect(await pending).toBe('aborted');
    await new Promise((r) => setTimeout(r, 200));
    expect(upstreamSawClose).toBe(true);
  });

  it('reaches a unix-socket upstream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rp-'));
    const sock = join(dir, 'up.sock');
    const unix = createServer((_req, res) => res.end('via socket'));
    await listen(unix, sock);
    try {
      targetFor = () => ({ target: { service: 'x', connect: { socketPath: sock }, path: '/' } });
      expect((await call('/')).body).toBe('via socket');
    } finally {
      await close(unix);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('armConnectTimeout', () => {
  it('fires when the socket is still connecting after the timeout, never after connect', async () => {
    const fired: string[] = [];
    for (const name of ['slow', 'fast']) {
      const req = new EventEmitter();
      const socket = Object.assign(new EventEmitter(), { connecting: true });
      armConnectTimeout(req as never, 50, () => fired.push(name));
      req.emit('socket', socket as unknown as Socket);
      if (name === 'fast') {
        socket.emit('connect');
      }
    }
    await new Promise((r) => setTimeout(r, 120));
    expect(fired).toEqual(['slow']);
  });
});

describe('proxyUpgrade', () => {
  const open = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ ws: WebSocket; first: string }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${frontPort}${path}`, { headers });
      ws.once('message', (m) => resolve({ ws, first: m.toString() }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
      ws.once('error', reject);
    });

  it('tunnels a WebSocket both ways with target headers added and stripped ones dropped', async () => {
    targetFor = (req) => ({ target: tcp(`/up${req.url}`, { headers: { 'x-added': 'A' }, stripHeaders: ['cookie'] }) });
    const { ws, first } = await open('/ws?x=1', { cookie: 'sid=caller' });
    expect(first).toBe('hello /up/ws?x=1 A no-cookie');
    const echoed = new Promise<string>((r) => ws.once('message', (m) => r(m.toString())));
    ws.send('ping');
    expect(await echoed).toBe('echo:ping');
    ws.close();
  });

  it('relays a refused upgrade and answers 503 when the upstream is unreachable', async () => {
    await expect(open('/ws-refuse')).rejects.toThrow('status 403');
    const dead = createServer();
    const deadPort = await listen(dead);
    await close(dead);
    targetFor = () => ({ target: { service: 'fake', connect: { host: '127.0.0.1', port: deadPort }, path: '/' } });
    await expect(open('/ws')).rejects.toThrow('status 503');
  });
});

describe('forwardHeaders', () => {
  it('drops host and upgrade headers unless re-added', () => {
    expect(forwardHeaders({ host: 'a', upgrade: 'websocket', te: 'trailers', accept: 'x' }, [], { host: 'b' })).toEqual(
      {
        accept: 'x',
        host: 'b',
      },
    );
  });
});
