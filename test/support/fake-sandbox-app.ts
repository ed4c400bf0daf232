/**
 * Stand-in for a web app a coding agent started inside a sandbox (the preview proxy's upstream):
 * HTTP + WebSocket on 127.0.0.1 (or a unix socket), recording every request.
 *
 *   const app = await startFakeSandboxApp('A');             // answers carry the name
 *   ... point a SandboxSessionsContract target at app.connect ...
 *   expect(app.requests[0].headers.authorization).toBeUndefined();
 *
 * Routes: `/redirect` (302 → `/login`), `/abs-redirect` (302 → `http://<its Host header>/abs`),
 * `/ext-redirect` (302 → `https://example.org/x`), `/cookie` (sets `app_session`), `/events`
 * (SSE, one event now, one on `release()`); anything else echoes `{ app, method, url, headers, body }`.
 * WebSocket on any path: sends `hello <app> <url>`, then echoes `<app>:<message>`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface SandboxAppRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeSandboxApp {
  name: string;
  port: number;
  connect: { host: string; port: number } | { socketPath: string };
  requests: SandboxAppRequest[];
  upgrades: SandboxAppRequest[];
  release(): void;
  close(): Promise<void>;
}

export async function startFakeSandboxApp(name: string, socketPath?: string): Promise<FakeSandboxApp> {
  const requests: SandboxAppRequest[] = [];
  const upgrades: SandboxAppRequest[] = [];
  const held: ServerResponse[] = [];
  let port = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const rec = { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body };
      requests.push(rec);
      const path = rec.url.split('?')[0];
      if (path === '/redirect') {
        res.writeHead(302, { location: '/login?next=%2F' }).end();
      } else if (path === '/abs-redirect') {
        res.writeHead(302, { location: `http://${req.headers.host ?? `localhost:${port}`}/abs?x=1` }).end();
      } else if (path === '/ext-redirect') {
        res.writeHead(302, { location: 'https://example.org/x' }).end();
      } else if (path === '/cookie') {
        res.writeHead(200, { 'set-cookie': 'app_session=abc; Path=/', 'content-type': 'text/plain' }).end('ok');
      } else if (path === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${name} first\n\n`);
        held.push(res);
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'x-frame-options': 'SAMEORIGIN' });
        res.end(JSON.stringify({ app: name, ...rec }));
      }
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades.push({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, body: '' });
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(`hello ${name} ${req.url}`);
      ws.on('message', (m) => ws.send(`${name}:${m.toString()}`));
    });
  });
  await new Promise<void>((resolve) =>
    socketPath ? server.listen(socketPath, resolve) : server.listen(0, '127.0.0.1', resolve),
  );
  port = socketPath ? 0 : (server.address() as AddressInfo).port;
  return {
    name,
    port,
    connect: socketPath ? { socketPath } : { host: '127.0.0.1', port },
    requests,
    upgrades,
    release: () => held.splice(0).forEach((r) => r.end(`data: ${name} last\n\n`)),
    close: () =>
      new Promise<void>((resolve) => {
        held.splice(0).forEach((r) => r.destroy());
        for (const c of wss.clients) {
          c.terminate();
        }
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
