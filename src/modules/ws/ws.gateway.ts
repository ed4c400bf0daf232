import { PrincipalResolver, roleRank, type Principal } from '@libs/auth';
import { AppException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { refuseUpgrade } from '@libs/http';
import { ConnectionMetrics } from '@libs/metrics/connection-metrics';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { PipelineRunsContract } from '../pipelines/pipelines.contract';
import { SyncService } from '../sources/sync.service';
import { TasksContract } from '../tasks/tasks.contract';

/** Paths served (the API prefix one and a bare alias). */
export const WS_PATHS = ['/api/v1/ws', '/ws'];

/** Event types only org admins receive (whatever topic they came through, `*` included). */
const ADMIN_EVENT_PREFIXES = ['access_request.'];

function visibleTo(p: Principal, type: string): boolean {
  return roleRank(p.role) >= roleRank('admin') || !ADMIN_EVENT_PREFIXES.some((pre) => type.startsWith(pre));
}

/** A notification goes to its recipient only, whatever the role and topic. */
function addressedTo(p: Principal, ev: OrgEvent): boolean {
  return !ev.type.startsWith('notification.') || ev.data?.user_id === p.userId;
}

/** Topic → event type prefixes it receives. `*` receives every org event. */
export const WS_TOPICS: Record<string, string[]> = {
  graph: ['graph.'],
  jobs: ['job.', 'sync_job.'],
  sync_jobs: ['sync_job.', 'job.'],
  approvals: ['approval.'],
  access_requests: ['access_request.'],
  task_runs: ['task_run.'],
  pipeline_runs: ['pipeline_run.'],
  notifications: ['notification.'],
  '*': [''],
};

/** Parameterised topics: `<kind>:<id>` receives events of that kind whose data carries the id. */
const ID_TOPICS: Record<string, { prefixes: string[]; fields: string[] }> = {
  job: { prefixes: ['job.', 'sync_job.'], fields: ['job_id', 'id', 'job.id'] },
  task_run: { prefixes: ['task_run.'], fields: ['run_id'] },
  pipeline_run: { prefixes: ['pipeline_run.'], fields: ['run_id'] },
};

const MAX_TOPICS = 50;
const MAX_MESSAGE_BYTES = 16 * 1024;

export interface OrgEvent {
  type: string;
  ts?: string;
  data?: Record<string, unknown>;
}

interface Client {
  ws: WebSocket;
  principal: Principal;
  token: string;
  req: IncomingMessage;
  topics: Set<string>;
  missedPongs: number;
  authCheckedAt: number;
}

/** Credentials are re-checked on every subscribe and at least this often while connected. */
const AUTH_RECHECK_MS = 60_000;
/** Close code sent when the credential stopped being valid (revoked key, disabled user...). */
export const WS_CLOSE_UNAUTHORIZED = 4401;

interface OrgEntry {
  clients: Set<Client>;
  ready: Promise<() => Promise<void>>;
}

/**
 * Header credentials first; `?token=` is only a fallback for clients that cannot set headers
 * (query strings end up in proxy logs and browser history).
 */
function tokenFrom(req: IncomingMessage, url: URL): { token?: string; protocol?: string } {
  const h = req.headers.authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  if (m) {
    return { token: m[1].trim() };
  }
  const protos = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bearer = protos.find((p) => p.startsWith('bearer.'));
  if (bearer) {
    return { token: bearer.slice('bearer.'.length), protocol: bearer };
  }
  const q = url.searchParams.get('token');
  return q ? { token: q } : {};
}

/**
 * agentcy-ws: a WebSocket endpoint on the API's own HTTP server (docs/websocket.md).
 * Clients authenticate on the upgrade request, subscribe to topics, and receive their org's
 * events, which arrive from any replica through Redis (`org:<orgId>:events`). One Redis
 * subscription per org with connected clients, dropped when its last client leaves.
 */
@Injectable()
export class WsGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WsGateway.name);
  private wss: WebSocketServer | undefined;
  private server: Server | undefined;
  private readonly orgs = new Map<string, OrgEntry>();
  private pingTimer: NodeJS.Timeout | undefined;
  private pingIntervalMs = 30_000;
  private readonly onUpgradeBound = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.onUpgrade(req, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly resolver: PrincipalResolver,
    private readonly events: OrgEvents,
    private readonly jobs: SyncService,
    private readonly tasks: TasksContract,
    private readonly pipelineRuns: PipelineRunsContract,
    @Optional() metrics?: ConnectionMetrics,
  ) {
    metrics?.trackWebSocketClients(() => this.clientCount());
  }

  onApplicationBootstrap() {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) {
      return;
    }
    this.server = server;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_MESSAGE_BYTES,
      handleProtocols: (protocols) => {
        for (const p of protocols) {
          if (p.startsWith('bearer.')) {
            return p;
          }
        }
        return false;
      },
    });
    server.on('upgrade', this.onUpgradeBound);
    this.restartPings();
  }

  async onModuleDestroy() {
    if (this.pingTimer) {
      clearInterval(this.pingTimer);
    }
    this.server?.off('upgrade', this.onUpgradeBound);
    for (const entry of this.orgs.values()) {
      for (const c of entry.clients) {
        c.ws.close(1001, 'server shutting down');
      }
    }
    const unsubs = [...this.orgs.values()].map((e) => e.ready.then((u) => u()).catch(() => undefined));
    this.orgs.clear();
    await Promise.all(unsubs);
    this.wss?.close();
  }

  /** Keep-alive period (tests shorten it). */
  setPingInterval(ms: number) {
    this.pingIntervalMs = ms;
    this.restartPings();
  }

  /** Number of connected clients per org (diagnostics/tests). */
  clientCount(orgId?: string): number {
    if (orgId) {
      return this.orgs.get(orgId)?.clients.size ?? 0;
    }
    let n = 0;
    for (const e of this.orgs.values()) {
      n += e.clients.size;
    }
    return n;
  }

  /** Org ids this process holds a Redis subscription for. */
  subscribedOrgs(): string[] {
    return [...this.orgs.keys()];
  }

  private restartPings() {
    if (this.pingTimer) {
      clearInterval(this.pingTimer);
    }
    this.pingTimer = setInterval(() => this.pingAll(), this.pingIntervalMs);
    this.pingTimer.unref();
  }

  private pingAll() {
    for (const entry of this.orgs.values()) {
      for (const c of entry.clients) {
        if (c.missedPongs >= 2) {
          c.ws.terminate();
          continue;
        }
        c.missedPongs += 1;
        if (Date.now() - c.authCheckedAt > AUTH_RECHECK_MS) {
          void this.recheck(c);
        }
        try {
          c.ws.ping();
        } catch {
          c.ws.terminate();
        }
      }
    }
  }

  private async onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return;
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!WS_PATHS.includes(path)) {
      return;
    } // not ours: another upgrade handler may take it
    if (!this.wss) {
      return refuseUpgrade(socket, 503, 'service_unavailable', 'WebSocket endpoint not ready');
    }
    const { token } = tokenFrom(req, url);
    if (!token) {
      return refuseUpgrade(
        socket,
        401,
        'unauthorized',
        'Missing token (use ?token=, Authorization: Bearer, or Sec-WebSocket-Protocol bearer.<token>)',
      );
    }
    let principal: Principal;
    try {
      principal = await this.resolver.resolve(token, req as never);
    } catch (err) {
      if (err instanceof AppException && err.status === 401) {
        return refuseUpgrade(socket, 401, err.code, err.message);
      }
      if (err instanceof AppException) {
        return refuseUpgrade(socket, err.status, err.code, err.message);
      }
      this.logger.warn(`ws auth failed: ${(err as Error).message}`);
      return refuseUpgrade(socket, 401, 'unauthorized', 'Invalid token');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, principal, token, req));
  }

  /** Re-resolves the connection's credential; closes the socket (4401) when it is no longer valid. */
  private async recheck(c: Client): Promise<boolean> {
    c.authCheckedAt = Date.now();
    try {
      const p = await this.resolver.resolve(c.token, c.req as never);
      if (p.orgId !== c.principal.orgId) {
        throw new Error('org changed');
      }
      c.principal = p;
      return true;
    } catch {
      this.send(c, { type: 'error', data: { code: 'unauthorized', message: 'Credentials are no longer valid' } });
      c.ws.close(WS_CLOSE_UNAUTHORIZED, 'unauthorized');
      return false;
    }
  }

  private ensureOrg(orgId: string): OrgEntry {
    let entry = this.orgs.get(orgId);
    if (!entry) {
      const ready = this.events.subscribe(orgId, (msg) => this.relay(orgId, msg));
      entry = { clients: new Set(), ready };
      ready.catch((err) => this.logger.warn(`redis subscribe for org ${orgId} failed: ${(err as Error).message}`));
      this.orgs.set(orgId, entry);
    }
    return entry;
  }

  private release(orgId: string, client: Client) {
    const entry = this.orgs.get(orgId);
    if (!entry) {
      return;
    }
    entry.clients.delete(client);
    if (entry.clients.size === 0) {
      this.orgs.delete(orgId);
      entry.ready.then((unsub) => unsub()).catch(() => undefined);
    }
  }

  private send(c: Client, msg: Record<string, unknown>) {
    if (c.ws.readyState !== WebSocket.OPEN) {
      return;
    }
    c.ws.send(JSON.stringify({ ts: new Date().toISOString(), ...msg }));
  }

  private onConnection(ws: WebSocket, principal: Principal, token: string, req: IncomingMessage) {
    const client: Client = { ws, principal, token, req, topics: new Set(), missedPongs: 0, authCheckedAt: Date.now() };
    const entry = this.ensureOrg(principal.orgId);
    entry.clients.add(client);
    ws.on('pong', () => {
      client.missedPongs = 0;
    });
    ws.on('close', () => this.release(principal.orgId, client));
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw, isBinary) => void this.onMessage(client, raw, isBinary));
    this.send(client, {
      type: 'welcome',
      data: { org_id: principal.orgId, user_id: principal.userId, topics: Object.keys(WS_TOPICS) },
    });
  }

  private async onMessage(c: Client, raw: WebSocket.RawData, isBinary: boolean) {
    c.missedPongs = 0;
    let msg: { type?: unknown; topics?: unknown; id?: unknown };
    try {
      if (isBinary) {
        throw new Error('binary');
      }
      msg = JSON.parse(raw.toString());
      if (!msg || typeof msg !== 'object') {
        throw new Error('not an object');
      }
    } catch {
      return this.send(c, {
        type: 'error',
        data: { code: 'invalid_message', message: 'Messages must be JSON objects with a "type"' },
      });
    }
    const reqId = typeof msg.id === 'string' || typeof msg.id === 'number' ? { id: msg.id } : {};
    switch (msg.type) {
      case 'ping':
        return this.send(c, { type: 'pong', ...reqId, data: {} });
      case 'subscribe':
      case 'unsubscribe': {
        const topics = Array.isArray(msg.topics) ? msg.topics : typeof msg.topics === 'string' ? [msg.topics] : null;
        if (!topics || !topics.every((t) => typeof t === 'string') || topics.length > MAX_TOPICS) {
          return this.send(c, {
            type: 'error',
            ...reqId,
            data: { code: 'invalid_message', message: '"topics" must be an array of strings' },
          });
        }
        if (msg.type === 'unsubscribe') {
          for (const t of topics as string[]) {
            c.topics.delete(t);
          }
          return this.send(c, { type: 'unsubscribed', ...reqId, data: { topics: [...c.topics] } });
        }
        if (!(await this.recheck(c))) {
          return;
        }
        const rejected: { topic: string; code: string }[] = [];
        for (const t of topics as string[]) {
          const verdict = await this.authorizeTopic(c.principal, t);
          if (verdict === 'ok') {
            c.topics.add(t);
          } else {
            rejected.push({ topic: t, code: verdict });
          }
        }
        // the ack goes out once this process is subscribed to the org channel on Redis
        try {
          await this.orgs.get(c.principal.orgId)?.ready;
        } catch {
          return this.send(c, {
            type: 'error',
            ...reqId,
            data: { code: 'service_unavailable', message: 'Event bus unavailable' },
          });
        }
        for (const r of rejected) {
          this.send(c, {
            type: 'error',
            ...reqId,
            data: { code: r.code, topic: r.topic, message: `Cannot subscribe to "${r.topic}"` },
          });
        }
        return this.send(c, {
          type: 'subscribed',
          ...reqId,
          data: { topics: [...c.topics], rejected: rejected.map((r) => r.topic) },
        });
      }
      default:
        return this.send(c, {
          type: 'error',
          ...reqId,
          data: { code: 'unknown_message_type', message: `Unknown message type ${JSON.stringify(msg.type)}` },
        });
    }
  }

  /** Plain topics are org-scoped by construction; `<kind>:<id>` must name a row of the caller's org. */
  private async authorizeTopic(
    p: Principal,
    topic: string,
  ): Promise<'ok' | 'unknown_topic' | 'not_found' | 'forbidden'> {
    if (topic in WS_TOPICS) {
      return WS_TOPICS[topic].every((pre) => pre && !visibleTo(p, pre)) ? 'forbidden' : 'ok';
    }
    const m = /^([a-z_]+):(.{1,200})$/.exec(topic);
    if (!m || !(m[1] in ID_TOPICS)) {
      return 'unknown_topic';
    }
    if (m[1] === 'task_run') {
      return (await this.tasks.runStatus(p.orgId, m[2]).catch(() => null)) ? 'ok' : 'not_found';
    }
    if (m[1] === 'pipeline_run') {
      return (await this.pipelineRuns.runExists(p.orgId, m[2]).catch(() => false)) ? 'ok' : 'not_found';
    }
    const id = m[2].replace(/^[a-z]+_/, '');
    if (!/^[0-9a-f-]{36}$/i.test(id)) {
      return 'not_found';
    }
    try {
      // `job:<id>`: the job must be the caller's org's
      await this.jobs.getJob(p.orgId, id);
      return 'ok';
    } catch {
      return 'not_found';
    }
  }

  /** Does a subscription to `topic` receive this event? */
  static matches(topic: string, ev: OrgEvent): boolean {
    const plain = WS_TOPICS[topic];
    if (plain) {
      return plain.some((pre) => ev.type.startsWith(pre));
    }
    const m = /^([a-z_]+):(.+)$/.exec(topic);
    const spec = m ? ID_TOPICS[m[1]] : undefined;
    if (!m || !spec || !spec.prefixes.some((pre) => ev.type.startsWith(pre))) {
      return false;
    }
    const want = m[2];
    const bare = want.replace(/^[a-z]+_/, '');
    return spec.fields.some((f) => {
      const v = f
        .split('.')
        .reduce<unknown>(
          (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
          ev.data,
        );
      return typeof v === 'string' && (v === want || v === bare || v.replace(/^[a-z]+_/, '') === bare);
    });
  }

  private relay(orgId: string, raw: unknown) {
    if (!raw || typeof raw !== 'object' || typeof (raw as OrgEvent).type !== 'string') {
      return;
    }
    const ev = raw as OrgEvent;
    // an event that names another org is never relayed (defence in depth; channels are per org)
    const evOrg = (ev.data as { org_id?: unknown } | undefined)?.org_id;
    if (typeof evOrg === 'string' && evOrg !== orgId) {
      return;
    }
    const entry = this.orgs.get(orgId);
    if (!entry) {
      return;
    }
    const out = JSON.stringify({
      type: ev.type,
      ts: typeof ev.ts === 'string' ? ev.ts : new Date().toISOString(),
      data: ev.data ?? {},
    });
    for (const c of entry.clients) {
      if (
        c.principal.orgId !== orgId ||
        c.ws.readyState !== WebSocket.OPEN ||
        !visibleTo(c.principal, ev.type) ||
        !addressedTo(c.principal, ev)
      ) {
        continue;
      }
      for (const t of c.topics) {
        if (WsGateway.matches(t, ev)) {
          c.ws.send(out);
          break;
        }
      }
    }
  }
}
