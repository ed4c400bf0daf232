/**
 * Baseline: raw node:http + pg (+ neo4j-driver) doing the same work as the API for the measured
 * authenticated routes, with the same SQL/Cypher and the same JSON shapes:
 *   auth  — HS256 JWT (HMAC + exp + iss, then the caller joined with its org, token_version check)
 *           or `ak_…` API key (sha256 lookup, revoked/expired, then the owner joined with its org);
 *   GET /api/v1/users, /api/v1/sources, /api/v1/chat/conversations — count + one keyset page;
 *   GET /api/v1/graph/nodes/search?q= — the two full-text Cypher queries + the source names.
 * Env: DATABASE_URL, DATABASE_POOL_SIZE (the API's default: 10), JWT_SECRET, NEO4J_URI/USER/PASSWORD/DATABASE.
 * Not done here (the API does it): the Redis session deny-list lookup, the rate limiter, request
 * logging, audit and the IP allow-list of keys — which is what the ratio measures.
 */
import neo4j, { type Node } from 'neo4j-driver';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { toLuceneQuery } from '../../libs/graph/lucene';
import { toNodeDto } from '../../src/modules/graph/graph.mapper';

const jwtSecret = process.env.JWT_SECRET ?? 'agentcy-development-jwt-secret-change-me-now';
const jwtKey = Buffer.from(jwtSecret);
const cursorKey = createHash('sha256').update(`cursor:${jwtSecret}`).digest();
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  application_name: 'bench-raw-api',
});
const driver = neo4j.driver(
  process.env.NEO4J_URI ?? 'bolt://127.0.0.1:7687',
  neo4j.auth.basic(process.env.NEO4J_USER ?? 'neo4j', process.env.NEO4J_PASSWORD ?? 'password'),
);
const neo4jDatabase = process.env.NEO4J_DATABASE ?? 'neo4j';

interface Caller {
  userId: string;
  orgId: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const USER_COLUMNS =
  'u.id, u.organization_id, u.email, u.name, u.role, u.roles, u.permissions, u.password_hash, u.auth_provider, u.issuer, u.external_id, u.email_verified, u.disabled_at, u.last_login_at, u.token_version, u.created_at, u.updated_at';

interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  name: string | null;
  role: string;
  auth_provider: string;
  disabled_at: Date | null;
  last_login_at: Date | null;
  token_version: number;
  created_at: Date;
}

async function userForAuth(id: string): Promise<(UserRow & { org_disabled: boolean }) | undefined> {
  const r = await pool.query<UserRow & { org_disabled: boolean }>(
    `SELECT ${USER_COLUMNS}, o.disabled_at IS NOT NULL AS org_disabled
       FROM users u INNER JOIN organizations o ON o.id = u.organization_id WHERE u.id = $1`,
    [id],
  );
  return r.rows[0];
}

function checkUser(u: (UserRow & { org_disabled: boolean }) | undefined, orgId: string): Caller {
  if (!u || u.organization_id !== orgId || u.disabled_at) {
    throw new HttpError(401, 'Invalid token');
  }
  if (u.org_disabled) {
    throw new HttpError(403, 'This organization is disabled');
  }
  return { userId: u.id, orgId: u.organization_id };
}

function verifyJwt(token: string): { sub: string; org_id: string; tv: number } {
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) {
    throw new HttpError(401, 'Invalid token');
  }
  const expected = createHmac('sha256', jwtKey).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new HttpError(401, 'Invalid token');
  }
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
    sub: string;
    org_id: string;
    tv: number;
    exp: number;
    iss: string;
  };
  if (header.alg !== 'HS256' || claims.iss !== 'agentcy' || !(claims.exp > Date.now() / 1000)) {
    throw new HttpError(401, 'Invalid token');
  }
  return claims;
}

async function authenticate(req: IncomingMessage): Promise<Caller> {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!m) {
    throw new HttpError(401, 'Authentication required');
  }
  const bearer = m[1];
  if (bearer.startsWith('ak_')) {
    const hash = createHash('sha256').update(bearer).digest('hex');
    const k = (
      await pool.query<{ org_id: string; created_by: string; revoked_at: Date | null; expires_at: Date | null }>(
        `SELECT id, org_id, name, key_hash, key_fingerprint, role, expires_at, allowed_ips, notes, created_by,
                last_used_at, revoked_at, rotated_to, idempotency_hash, scopes, created_at, updated_at
           FROM api_keys WHERE key_hash = $1`,
        [hash],
      )
    ).rows[0];
    const now = Date.now();
    if (!k || (k.revoked_at && k.revoked_at.getTime() <= now) || (k.expires_at && k.expires_at.getTime() <= now)) {
      throw new HttpError(401, 'Invalid API key');
    }
    return checkUser(await userForAuth(k.created_by), k.org_id);
  }
  const claims = verifyJwt(bearer);
  const u = await userForAuth(claims.sub);
  const caller = checkUser(u, claims.org_id);
  if (u!.token_version !== claims.tv) {
    throw new HttpError(401, 'Session ended; log in again');
  }
  return caller;
}

function encodeCursor(scope: string, k: string | number, id: string): string {
  const payload = Buffer.from(JSON.stringify({ k, id })).toString('base64url');
  const mac = createHmac('sha256', cursorKey)
    .update(scope)
    .update('\0')
    .update(payload)
    .digest('base64url')
    .slice(0, 22);
  return `${payload}.${mac}`;
}

const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

/** count + one keyset page (created_at DESC, id DESC), like libs/pagination paginate(). */
async function page<R extends { id: string; created_at: Date }, D>(
  table: string,
  columns: string,
  where: string,
  params: unknown[],
  limit: number,
  scope: string,
  map: (r: R) => D,
): Promise<{ items: D[]; next_cursor: string | null; total: number }> {
  const count = await pool.query<{ cnt: string }>(
    `SELECT COUNT(DISTINCT(t.id)) AS cnt FROM ${table} t WHERE ${where}`,
    [...params],
  );
  const rows = (
    await pool.query<R>(
      `SELECT ${columns} FROM ${table} t WHERE ${where} ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit + 1}`,
      params,
    )
  ).rows;
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    next_cursor: more && last ? encodeCursor(scope, last.created_at.toISOString(), last.id) : null,
    total: Number(count.rows[0].cnt),
  };
}

function limitOf(url: URL): number {
  return Math.min(Math.max(Number(url.searchParams.get('limit') ?? 50) || 50, 1), 200);
}

function users(c: Caller, url: URL) {
  return page<UserRow, unknown>(
    'users',
    USER_COLUMNS.replace(/u\./g, 't.'),
    't.organization_id = $1',
    [c.orgId],
    limitOf(url),
    `users:${c.orgId}:::`,
    (u) => ({
      id: u.id,
      org_id: u.organization_id,
      email: u.email,
      name: u.name,
      role: u.role,
      auth_provider: u.auth_provider,
      last_login_at: iso(u.last_login_at),
      disabled: !!u.disabled_at,
      created_at: u.created_at.toISOString(),
    }),
  );
}

interface SourceRow {
  id: string;
  name: string;
  source_type: string;
  realm: string;
  enabled: boolean;
  config: Record<string, unknown> | null;
  schedule: string | null;
  sync_mode: string;
  status: string;
  status_detail: unknown;
  last_job_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

interface JobRow {
  id: string;
  status: string;
  finished_at: Date | null;
  stats: { nodes_written?: number } | null;
}

/** csv/json/… connectors declare `headers` secret; secrets (sealed) are not decrypted here. */
const SECRET_FIELDS = new Set(['headers', 'password', 'token', 'api_key']);

async function sources(c: Caller, url: URL) {
  const p = await page<SourceRow, SourceRow>(
    'sources',
    't.id, t.org_id, t.name, t.source_type, t.realm, t.config, t.secrets, t.enabled, t.schedule, t.sync_mode, t.sync_cursor, t.status, t.status_detail, t.last_job_id, t.created_by, t.created_at, t.updated_at',
    't.org_id = $1',
    [c.orgId],
    limitOf(url),
    `sources:${c.orgId}:::`,
    (s) => s,
  );
  const jobIds = p.items.map((s) => s.last_job_id).filter((x): x is string => !!x);
  const jobs = new Map<string, JobRow>();
  if (jobIds.length) {
    const r = await pool.query<JobRow>('SELECT * FROM sync_jobs WHERE id = ANY($1)', [jobIds]);
    for (const j of r.rows) {
      jobs.set(j.id, j);
    }
  }
  return {
    ...p,
    items: p.items.map((s) => {
      const j = s.last_job_id ? jobs.get(s.last_job_id) : undefined;
      const config: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.config ?? {})) {
        config[k] = SECRET_FIELDS.has(k) ? '***' : v;
      }
      return {
        id: s.id,
        name: s.name,
        source_type: s.source_type,
        realm: s.realm,
        enabled: s.enabled,
        config,
        schedule: s.schedule,
        sync_mode: s.sync_mode,
        status: s.status,
        status_detail: s.status_detail ?? null,
        last_sync: j
          ? {
              job_id: j.id,
              status: j.status,
              finished_at: iso(j.finished_at),
              nodes_written: j.stats?.nodes_written ?? 0,
            }
          : null,
        tool_count: null,
        created_by: s.created_by,
        created_at: s.created_at.toISOString(),
        updated_at: s.updated_at.toISOString(),
      };
    }),
  };
}

interface ConversationRow {
  id: string;
  title: string;
  realm: string | null;
  agent: string;
  agent_id: string | null;
  created_by: string | null;
  archived: boolean;
  last_message_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function conversations(c: Caller, url: URL) {
  return page<ConversationRow, unknown>(
    'conversations',
    't.id, t.org_id, t.title, t.realm, t.agent, t.agent_id, t.created_by, t.archived, t.external_key, t.last_message_at, t.deleted_at, t.created_at, t.updated_at',
    't.org_id = $1 AND t.deleted_at IS NULL AND t.created_by = $2',
    [c.orgId, c.userId],
    limitOf(url),
    `conversations:${c.orgId}:${c.userId}::::`,
    (r) => ({
      id: r.id,
      title: r.title,
      realm: r.realm,
      agent: r.agent,
      agent_id: r.agent_id,
      created_by: r.created_by,
      created_at: r.created_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
      last_message_at: iso(r.last_message_at),
      archived: r.archived,
    }),
  );
}

const DAY_MS = 86_400_000;

function inc(map: Record<string, number>, key: unknown) {
  const k = key === null || key === undefined || key === '' ? '(none)' : String(key);
  map[k] = (map[k] ?? 0) + 1;
}

async function readCypher(cypher: string, params: Record<string, unknown>) {
  const session = driver.session({ database: neo4jDatabase, defaultAccessMode: neo4j.session.READ });
  try {
    return await session.executeRead((tx) => tx.run(cypher, params));
  } finally {
    await session.close();
  }
}

async function graphSearch(c: Caller, url: URL) {
  const q = url.searchParams.get('q') ?? '';
  const limit = limitOf(url);
  const lucene = toLuceneQuery(q);
  if (q.trim().length < 2 || !lucene) {
    throw new HttpError(400, 'q must be at least 2 characters');
  }
  const params = { org: c.orgId, lucene, labels: [], realms: [], sources: [], since: null, until: null };
  const base = `CALL db.index.fulltext.queryNodes('entity_search_v2', $lucene) YIELD node AS n, score
              WHERE n.org_id = $org AND n.archived_at IS NULL`;
  const [aggRes, pageRes] = await Promise.all([
    readCypher(
      `${base}
       WITH n
       RETURN count(n) AS total,
              collect(n.realm) AS realms,
              collect(n.source_id) AS sources,
              collect([l IN labels(n) WHERE l <> 'Entity']) AS labels,
              collect(n.updated_at) AS updated`,
      params,
    ),
    readCypher(
      `${base}
       WITH n, score
       WHERE $ck IS NULL OR score < $ck OR (score = $ck AND coalesce(n.id, '') < $cid)
       RETURN n, score
       ORDER BY score DESC, n.id DESC
       LIMIT $limit`,
      { ...params, ck: null, cid: '', limit: neo4j.int(limit + 1) },
    ),
  ]);
  const agg = {
    total: 0,
    labels: {} as Record<string, number>,
    realms: {} as Record<string, number>,
    sources: {} as Record<string, number>,
  };
  const hist: Record<string, number> = {};
  const r = aggRes.records[0];
  if (r) {
    agg.total = Number(r.get('total'));
    (r.get('realms') as unknown[]).forEach((x) => inc(agg.realms, x));
    (r.get('sources') as unknown[]).forEach((x) => inc(agg.sources, x));
    (r.get('labels') as string[][]).forEach((ls) => ls.forEach((l) => inc(agg.labels, l)));
    for (const u of r.get('updated') as unknown[]) {
      if (typeof u === 'number') {
        inc(hist, new Date(Math.floor(u / DAY_MS) * DAY_MS).toISOString());
      }
    }
  }
  const rows = pageRes.records.map((x) => ({ node: x.get('n') as Node, score: Number(x.get('score')) }));
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const uuids = Object.keys(agg.sources).filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const info = new Map<string, { connector: string; name: string }>();
  if (uuids.length) {
    const s = await pool.query<{ id: string; source_type: string; name: string }>(
      'SELECT id, source_type, name FROM sources WHERE org_id = $1 AND id = ANY($2)',
      [c.orgId, uuids],
    );
    for (const x of s.rows) {
      info.set(x.id, { connector: x.source_type, name: x.name });
    }
  }
  const connectors: Record<string, number> = {};
  for (const [sid, n] of Object.entries(agg.sources)) {
    const con = info.get(sid)?.connector;
    if (con) {
      connectors[con] = (connectors[con] ?? 0) + n;
    }
  }
  const scope = `graph.nodes:${c.orgId}:${JSON.stringify([q, [], [], [], null, null, false])}`;
  const last = pageRows[pageRows.length - 1];
  return {
    items: pageRows.map(({ node }) => {
      const dto = toNodeDto(node);
      const src = dto.source_id ? info.get(dto.source_id) : undefined;
      return src
        ? { ...dto, source: { ...dto.source, connector: dto.source.connector ?? src.connector, name: src.name } }
        : dto;
    }),
    next_cursor: more && last ? encodeCursor(scope, last.score, String(last.node.properties.id ?? '')) : null,
    total: agg.total,
    facets: { labels: agg.labels, realms: agg.realms, sources: agg.sources, connectors },
    histogram: Object.entries(hist)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([bucket, count]) => ({ bucket, count })),
  };
}

const routes: Record<string, (c: Caller, url: URL) => Promise<unknown>> = {
  '/api/v1/users': users,
  '/api/v1/sources': sources,
  '/api/v1/chat/conversations': conversations,
  '/api/v1/graph/nodes/search': graphSearch,
};

function send(res: ServerResponse, status: number, body: unknown) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/api/v1/health') {
    send(res, 200, { status: 'ok' });
    return;
  }
  const route = routes[url.pathname];
  if (!route || req.method !== 'GET') {
    send(res, 404, { error: { code: 'not_found' } });
    return;
  }
  try {
    send(res, 200, await route(await authenticate(req), url));
  } catch (err) {
    if (err instanceof HttpError) {
      send(res, err.status, { error: { message: err.message } });
      return;
    }
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    send(res, 500, { error: { code: 'internal' } });
  }
}

createServer((req, res) => void handle(req, res)).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
