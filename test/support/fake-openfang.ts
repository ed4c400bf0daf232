/**
 * Stand-in sidecars for the /orchestrator and /ciab gateways: small in-memory REST servers on
 * 127.0.0.1 whose objects carry `org_id`. Like a careless sidecar, they do NOT filter by the
 * `X-Agentcy-Org` header they receive (lists return every org's objects, any id is served), so
 * the tests prove the gateway's own tenant isolation.
 *
 *   const of = await startFakeOpenFang();             // OPENFANG_URL = of.url
 *   of.seed('agents', { id: 'agt_x', org_id: other.orgId, name: 'theirs' });
 *   ... GET /api/v1/orchestrator/agents ...
 *   expect(of.requests.at(-1)!.headers['x-agentcy-org']).toBe(owner.orgId);
 *   await of.close();
 *
 * OpenFang (`/api/*`): health (`{ status, version }`), agents, workflows, models, triggers
 * (list `{ items, total }`, create, get, patch, delete), `POST workflows/:id/run` (a run),
 * runs (list, get, `POST runs/:id/cancel`), `GET runs/:id/logs` (SSE: one `log` event at once,
 * the rest when `finishLogs(runId)` is called).
 * CIAB (test/support/fake-ciab.ts): the /ciab-native shapes without prefix.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SidecarRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type FakeObject = Record<string, unknown> & { id: string };

export interface FakeSidecar {
  /** base URL to configure (OPENFANG_URL / CIAB_URL) */
  url: string;
  port: number;
  requests: SidecarRequest[];
  store: Map<string, Map<string, FakeObject>>;
  seed(collection: string, obj: FakeObject): FakeObject;
  get(collection: string, id: string): FakeObject | undefined;
  /** ends the SSE stream of a run (OpenFang) or session output (CIAB) with a final event */
  finishLogs(id: string): void;
  /** true when any recorded header or body contains `secret` */
  sawSecret(secret: string): boolean;
  close(): Promise<void>;
}

export interface RouteContext {
  method: string;
  segs: string[];
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  res: ServerResponse;
  sidecar: FakeSidecar;
  /** holds an SSE stream open until finishLogs(id) */
  holdStream(id: string, res: ServerResponse): void;
}

/** A route handler returns true when it answered. */
export type FakeRoute = (ctx: RouteContext) => boolean;

let seq = 0;
export const fakeId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(seq++).toString(36)}`;

export function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? '' : JSON.stringify(body));
  return true;
}

/** CRUD over `collection` at `/<collection>[/:id]`. */
export function crudRoute(collection: string, idPrefix: string): FakeRoute {
  return ({ method, segs, body, headers, res, sidecar }) => {
    if (segs[0] !== collection || segs.length > 2) {
      return false;
    }
    const items = sidecar.store.get(collection)!;
    if (segs.length === 1) {
      if (method === 'GET') {
        return json(res, 200, { items: [...items.values()], total: items.size });
      }
      if (method === 'POST') {
        const org = (body.org_id as string | undefined) ?? String(headers['x-agentcy-org'] ?? '');
        return json(res, 201, sidecar.seed(collection, { ...body, id: fakeId(idPrefix), org_id: org }));
      }
      return false;
    }
    const obj = items.get(segs[1]);
    if (!obj) {
      return json(res, 404, { error: 'not found' });
    }
    if (method === 'GET') {
      return json(res, 200, obj);
    }
    if (method === 'PATCH' || method === 'PUT') {
      Object.assign(obj, body, { id: obj.id });
      return json(res, 200, obj);
    }
    if (method === 'DELETE') {
      items.delete(obj.id);
      res.writeHead(204).end();
      return true;
    }
    return false;
  };
}

export async function startFakeSidecar(opts: {
  prefix: string;
  collections: string[];
  routes: FakeRoute[];
}): Promise<FakeSidecar> {
  const requests: SidecarRequest[] = [];
  const store = new Map<string, Map<string, FakeObject>>(opts.collections.map((c) => [c, new Map()]));
  const streams = new Map<string, ServerResponse[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        body: raw,
      });
      if (!url.pathname.startsWith(opts.prefix)) {
        return json(res, 404, { error: 'outside the API' });
      }
      let body: Record<string, unknown>;
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        return json(res, 400, { error: 'bad json' });
      }
      const ctx: RouteContext = {
        method: req.method ?? 'GET',
        segs: url.pathname.slice(opts.prefix.length).split('/').filter(Boolean).map(decodeURIComponent),
        query: url.searchParams,
        body,
        headers: req.headers,
        res,
        sidecar,
        holdStream: (id, r) => streams.set(id, [...(streams.get(id) ?? []), r]),
      };
      if (!opts.routes.some((route) => route(ctx))) {
        json(res, 404, { error: 'no route' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sidecar: FakeSidecar = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    store,
    seed(collection, obj) {
      store.get(collection)!.set(obj.id, obj);
      return obj;
    },
    get: (collection, id) => store.get(collection)?.get(id),
    finishLogs(id) {
      for (const r of streams.get(id) ?? []) {
        r.end('event: done\ndata: {"status":"succeeded"}\n\n');
      }
      streams.delete(id);
    },
    sawSecret: (secret) => requests.some((r) => JSON.stringify(r.headers).includes(secret) || r.body.includes(secret)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const list of streams.values()) {
          list.forEach((r) => r.destroy());
        }
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return sidecar;
}

/** OpenFang: `/api/*`. */
export function startFakeOpenFang(): Promise<FakeSidecar> {
  const runRoutes: FakeRoute = ({ method, segs, res, sidecar, holdStream }) => {
    if (segs[0] === 'health' && method === 'GET') {
      return json(res, 200, { status: 'ok', version: '0.9.0-fake' });
    }
    if (segs[0] === 'workflows' && segs[2] === 'run' && method === 'POST') {
      const wf = sidecar.get('workflows', segs[1]);
      if (!wf) {
        return json(res, 404, { error: 'no workflow' });
      }
      const run = sidecar.seed('runs', {
        id: fakeId('run'),
        org_id: wf.org_id,
        workflow_id: wf.id,
        status: 'running',
        started_at: new Date().toISOString(),
      });
      return json(res, 201, run);
    }
    if (segs[0] === 'runs' && segs.length === 3) {
      const run = sidecar.get('runs', segs[1]);
      if (!run) {
        return json(res, 404, { error: 'no run' });
      }
      if (segs[2] === 'cancel' && method === 'POST') {
        run.status = 'cancelled';
        return json(res, 200, run);
      }
      if (segs[2] === 'logs' && method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`event: log\ndata: {"run_id":"${run.id}","line":"step 1 started"}\n\n`);
        holdStream(run.id, res);
        return true;
      }
    }
    return false;
  };
  return startFakeSidecar({
    prefix: '/api',
    collections: ['agents', 'workflows', 'runs', 'models', 'triggers'],
    routes: [
      runRoutes,
      crudRoute('agents', 'agt'),
      crudRoute('workflows', 'wf'),
      crudRoute('models', 'mdl'),
      crudRoute('triggers', 'trg'),
      crudRoute('runs', 'run'),
    ],
  });
}
