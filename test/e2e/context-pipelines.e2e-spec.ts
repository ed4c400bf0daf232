import { Neo4jService } from '@libs/graph';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { DataSource } from 'typeorm';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { api, eventually } from './chat-helpers';

interface IngestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A raw POST whose body is written chunk by chunk (the app must read it as a stream). */
function postChunks(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
  chunks: AsyncIterable<string | Buffer> | Iterable<string | Buffer>,
): Promise<IngestResponse> {
  const url = new URL(`${baseUrl}/api/v1${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* text */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    void (async () => {
      for await (const c of chunks) {
        if (!req.write(c)) {
          await new Promise((r) => req.once('drain', r));
        }
      }
      req.end();
    })().catch(reject);
  });
}

const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('/context/pipelines (continuous ingest)', () => {
  let t: TestApp;
  let small: TestApp;
  let owner: TestUser;
  let db: DataSource;
  let neo4j: Neo4jService;

  const ingest = (app: TestApp, id: string, token: string, body: string, extra: Record<string, string> = {}) =>
    postChunks(
      app.baseUrl,
      `/context/pipelines/${id}/ingest`,
      { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', ...extra },
      [body],
    );

  async function pipeline(user: TestUser, body: Record<string, unknown>, app = t) {
    const res = await api(app.baseUrl, 'POST', '/context/pipelines', user.auth, body);
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string };
  }

  async function token(user: TestUser, id: string, body: Record<string, unknown> = {}, app = t) {
    const res = await api(app.baseUrl, 'POST', `/context/pipelines/${id}/tokens`, user.auth, body);
    expect(res.status).toBe(201);
    return res.body as { id: string; token: string; url: string; curl: string };
  }

  beforeAll(async () => {
    t = await startTestApp({
      CONTEXT_INGEST_MAX_IN_FLIGHT: '1',
      CONTEXT_INGEST_MAX_LINES: '100000',
      CONTEXT_INGEST_MAX_BYTES: String(20 * 1024 * 1024),
    });
    small = await startTestApp({ CONTEXT_INGEST_MAX_LINES: '5', CONTEXT_INGEST_MAX_BYTES: '1000' });
    owner = await registerOwner(t, 'ctxp');
    db = t.app.get(DataSource);
    neo4j = t.app.get(Neo4jService);
  }, 60_000);

  afterAll(async () => {
    await small?.close();
    await t?.close();
  });

  it('creates pipelines (409 on a duplicate name) and rejects unimplemented kinds', async () => {
    const p = await pipeline(owner, { name: 'web-events', kind: 'webhook', target_table: 'context_events' });
    expect(p.id).toMatch(/^cpl_[0-9a-f]{32}$/);
    const dup = await api(t.baseUrl, 'POST', '/context/pipelines', owner.auth, {
      name: 'Web-Events',
      kind: 'webhook',
      target_table: 'context_events',
    });
    expect(dup.status).toBe(409);
    const fd = await api(t.baseUrl, 'POST', '/context/pipelines', owner.auth, {
      name: 'drop',
      kind: 'filedrop',
      target_table: 'context_events',
    });
    expect(fd.status).toBe(400);
    const bad = await api(t.baseUrl, 'POST', '/context/pipelines', owner.auth, {
      name: 'x',
      kind: 'webhook',
      target_table: 'users',
    });
    expect(bad.status).toBe(400);
    const list = await api(t.baseUrl, 'GET', '/context/pipelines', owner.auth);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain(p.id);
    const patched = await api(t.baseUrl, 'PATCH', `/context/pipelines/${p.id}`, owner.auth, { realm: 'ops' });
    expect(patched.status).toBe(200);
    expect(patched.body.realm).toBe('ops');
  });

  it('shows a token once, stores only its hash; revoked, foreign-pipeline and user tokens get 401', async () => {
    const p = await pipeline(owner, { name: 'tok', kind: 'webhook', target_table: 'context_events' });
    const other = await pipeline(owner, { name: 'tok-other', kind: 'webhook', target_table: 'context_events' });
    const tk = await token(owner, p.id, { name: 'shipper' });
    expect(tk.token).toMatch(/^ctx_[A-Za-z0-9]{32}$/);
    expect(tk.url).toContain(`/context/pipelines/${p.id}/ingest`);
    expect(tk.curl).toContain(tk.token);
    const listed = await api(t.baseUrl, 'GET', `/context/pipelines/${p.id}/tokens`, owner.auth);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(tk.token);
    const rows: { token_hash: string }[] = await db.query(`SELECT * FROM context_pipeline_tokens WHERE id = $1`, [
      tk.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(tk.token.slice(4));

    const body = ndjson([{ type: 'a' }]);
    expect((await ingest(t, p.id, tk.token, body)).status).toBe(202);
    expect((await ingest(t, other.id, tk.token, body)).status).toBe(401);
    expect((await ingest(t, p.id, owner.token, body)).status).toBe(401);
    const none = await postChunks(
      t.baseUrl,
      `/context/pipelines/${p.id}/ingest`,
      { 'content-type': 'application/x-ndjson' },
      [body],
    );
    expect(none.status).toBe(401);
    expect((await ingest(t, p.id, 'ctx_' + 'a'.repeat(32), body)).status).toBe(401);

    const asJson = await postChunks(
      t.baseUrl,
      `/context/pipelines/${p.id}/ingest`,
      { authorization: `Bearer ${tk.token}`, 'content-type': 'application/json' },
      ['{"type":"a"}'],
    );
    expect(asJson.status).toBe(415);
    const asText = await postChunks(
      t.baseUrl,
      `/context/pipelines/${p.id}/ingest`,
      { authorization: `Bearer ${tk.token}`, 'content-type': 'text/plain' },
      [body],
    );
    expect(asText.status).toBe(415);

    const del = await api(t.baseUrl, 'DELETE', `/context/pipelines/${p.id}/tokens/${tk.id}`, owner.auth);
    expect(del.status).toBe(204);
    const after = await ingest(t, p.id, tk.token, body);
    expect(after.status).toBe(401);
    expect(after.body.error?.code ?? after.body.code).toBeDefined();
  });

  it('keeps good lines, reports bad ones by line number and stores events', async () => {
    const p = await pipeline(owner, { name: 'mixed', kind: 'webhook', target_table: 'context_events', realm: 'web' });
    const tk = await token(owner, p.id);
    const body = [
      '{"ts":"2026-04-30T12:00:00Z","type":"login","user":"u1"}',
      '{not json',
      '',
      '[1,2]',
      '{"timestamp":1777550402,"type":"checkout","order":991}',
      '{"time":"yesterday"}',
      '{"type":"no-ts"}',
    ].join('\n');
    const res = await ingest(t, p.id, tk.token, body);
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(3);
    expect(res.body.rejected).toBe(3);
    expect(res.body.errors.map((e: { line: number }) => e.line)).toEqual([2, 4, 6]);
    const rows: { ts: Date; realm: string; data: any }[] = await db.query(
      `SELECT ts, realm, data FROM context_events WHERE pipeline_id = $1 ORDER BY ts`,
      [p.id],
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.realm === 'web')).toBe(true);
    expect(rows[0]!.ts.toISOString()).toBe('2026-04-30T12:00:00.000Z');
    expect(rows[1]!.data.order).toBe(991);
    expect(rows[1]!.ts.toISOString()).toBe(new Date(1777550402 * 1000).toISOString());

    const runs = await api(t.baseUrl, 'GET', `/context/pipelines/${p.id}/runs`, owner.auth);
    expect(runs.status).toBe(200);
    const items = runs.body.data ?? runs.body.items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ accepted: 3, rejected: 3, requests: 1, bytes: Buffer.byteLength(body) });
  });

  it('upserts nodes by key into the graph with org and realm; another org never sees them', async () => {
    const p = await pipeline(owner, { name: 'nodes', kind: 'webhook', target_table: 'context_nodes', realm: 'cmdb' });
    const tk = await token(owner, p.id);
    const key = `host-${Date.now()}`;
    const first = await ingest(
      t,
      p.id,
      tk.token,
      ndjson([
        { key, labels: ['Host'], name: 'web-1', cpu: 4 },
        { id: `${key}-b`, zone: 'eu' },
        { labels: ['Host'] },
        { key: 'x', labels: ['Entity'] },
      ]),
    );
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 2, rejected: 2 });
    expect(
      (await ingest(t, p.id, tk.token, ndjson([{ key, labels: ['Host'], name: 'web-1', cpu: 8 }]))).body.accepted,
    ).toBe(1);

    const r = await neo4j.read(
      `MATCH (n:Entity {key: $key}) RETURN n.org_id AS org, n.realm AS realm, n.cpu AS cpu, labels(n) AS labels, count(*) AS c`,
      { key },
    );
    expect(r.records).toHaveLength(1);
    expect(r.records[0]!.get('org')).toBe(owner.orgId);
    expect(r.records[0]!.get('realm')).toBe('cmdb');
    expect(Number(r.records[0]!.get('cpu'))).toBe(8);
    expect(r.records[0]!.get('labels')).toContain('Host');
    const rec = await neo4j.read(`MATCH (n:Entity:Record {key: $key}) RETURN n.org_id AS org`, { key: `${key}-b` });
    expect(rec.records[0]!.get('org')).toBe(owner.orgId);

    const edges = await pipeline(owner, {
      name: 'edges',
      kind: 'webhook',
      target_table: 'context_edges',
      realm: 'cmdb',
    });
    const etk = await token(owner, edges.id);
    const er = await ingest(
      t,
      edges.id,
      etk.token,
      ndjson([
        { type: 'RUNS_ON', from: key },
        { type: 'bad type', from: 'a', to: 'b' },
      ]),
    );
    expect(er.body).toMatchObject({ accepted: 0, rejected: 2 });
    // edges join nodes landed by any context pipeline of the same org and realm
    const eok = await ingest(
      t,
      edges.id,
      etk.token,
      ndjson([{ type: 'RUNS_ON', from: key, to: `${key}-b`, weight: 2 }]),
    );
    expect(eok.body).toMatchObject({ accepted: 1, rejected: 0 });
    const e = await neo4j.read(
      `MATCH (a:Entity {key: $a})-[r:RUNS_ON]->(b:Entity {key: $b}) RETURN r.org_id AS org, r.realm AS realm, r.weight AS w`,
      { a: key, b: `${key}-b` },
    );
    expect(e.records).toHaveLength(1);
    expect(e.records[0]!.get('org')).toBe(owner.orgId);
    expect(e.records[0]!.get('realm')).toBe('cmdb');
    expect(Number(e.records[0]!.get('w'))).toBe(2);

    const stranger = await registerOwner(t, 'ctxp-other');
    const seen = await api(t.baseUrl, 'GET', `/graph/nodes?q=web-1`, stranger.auth);
    expect(JSON.stringify(seen.body)).not.toContain(key);
    // the full-text index is eventually consistent
    await eventually(async () => {
      const mine = await api(t.baseUrl, 'GET', `/graph/nodes?q=web-1`, owner.auth);
      return mine.status === 200 && JSON.stringify(mine.body).includes(key);
    });
    expect(seen.status).toBe(200);
  });

  it('requires a valid signature when asked; nothing is stored otherwise', async () => {
    const p = await pipeline(owner, {
      name: 'signed',
      kind: 'webhook',
      target_table: 'context_events',
      require_signature: true,
    });
    const noSecret = await api(t.baseUrl, 'POST', `/context/pipelines/${p.id}/tokens`, owner.auth, {});
    expect(noSecret.status).toBe(400);
    const secret = 'a-very-secret-signing-key';
    const tk = await token(owner, p.id, { signing_secret: secret });
    const body = ndjson([{ type: 'x' }, { type: 'y' }]);
    const missing = await ingest(t, p.id, tk.token, body);
    expect(missing.status).toBe(401);
    expect(missing.body.error?.code ?? missing.body.code).toBe('invalid_signature');
    const wrong = await ingest(t, p.id, tk.token, body, { 'x-agentcy-signature': sign('other-secret-xxxxxxx', body) });
    expect(wrong.status).toBe(401);
    expect((await db.query(`SELECT count(*)::int AS c FROM context_events WHERE pipeline_id = $1`, [p.id]))[0].c).toBe(
      0,
    );
    const ok = await ingest(t, p.id, tk.token, body, { 'x-agentcy-signature': sign(secret, body) });
    expect(ok.status).toBe(202);
    expect(ok.body.accepted).toBe(2);
    expect((await db.query(`SELECT count(*)::int AS c FROM context_events WHERE pipeline_id = $1`, [p.id]))[0].c).toBe(
      2,
    );
  });

  it('answers 413 above the byte or line limit and stores nothing', async () => {
    const o = await registerOwner(small, 'ctxp-small');
    const p = await pipeline(o, { name: 'small', kind: 'webhook', target_table: 'context_events' }, small);
    const tk = await token(o, p.id, {}, small);
    const lines = await ingest(small, p.id, tk.token, ndjson([1, 2, 3, 4, 5, 6].map((n) => ({ n }))));
    expect(lines.status).toBe(413);
    const big = await ingest(small, p.id, tk.token, ndjson([{ pad: 'x'.repeat(1200) }]));
    expect(big.status).toBe(413);
    // chunked: no Content-Length, the limit is found while streaming
    const chunked = await postChunks(
      small.baseUrl,
      `/context/pipelines/${p.id}/ingest`,
      { authorization: `Bearer ${tk.token}`, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
      Array.from({ length: 10 }, () => JSON.stringify({ pad: 'y'.repeat(150) }) + '\n'),
    );
    expect(chunked.status).toBe(413);
    const ok = await ingest(small, p.id, tk.token, ndjson([1, 2, 3, 4, 5].map((n) => ({ n }))));
    expect(ok.status).toBe(202);
    expect((await db.query(`SELECT count(*)::int AS c FROM context_events WHERE pipeline_id = $1`, [p.id]))[0].c).toBe(
      5,
    );
  });

  it('answers 429 with Retry-After while the in-flight limit is used', async () => {
    const p = await pipeline(owner, { name: 'busy', kind: 'webhook', target_table: 'context_events' });
    const tk = await token(owner, p.id);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield '{"n":1}\n';
      await gate;
      yield '{"n":2}\n';
    }
    const held = postChunks(
      t.baseUrl,
      `/context/pipelines/${p.id}/ingest`,
      { authorization: `Bearer ${tk.token}`, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
      slow(),
    );
    let busy: IngestResponse | undefined;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 50));
      busy = await ingest(t, p.id, tk.token, ndjson([{ n: 3 }]));
      if (busy.status === 429) {
        break;
      }
    }
    expect(busy!.status).toBe(429);
    expect(busy!.headers['retry-after']).toBe('1');
    release();
    const first = await held;
    expect(first.status).toBe(202);
    expect(first.body.accepted).toBe(2);
    expect((await ingest(t, p.id, tk.token, ndjson([{ n: 4 }]))).status).toBe(202);
  });

  it('takes 100,000 lines in one streamed request with raised limits', async () => {
    const p = await pipeline(owner, { name: 'bulk', kind: 'webhook', target_table: 'context_events' });
    const tk = await token(owner, p.id);
    function* lines() {
      for (let i = 0; i < 100; i++) {
        let chunk = '';
        for (let j = 0; j < 1000; j++) {
          chunk += `{"i":${i * 1000 + j},"type":"bulk"}\n`;
        }
        yield chunk;
      }
    }
    const res = await postChunks(
      t.baseUrl,
      `/context/pipelines/${p.id}/ingest`,
      { authorization: `Bearer ${tk.token}`, 'content-type': 'application/x-ndjson', 'transfer-encoding': 'chunked' },
      lines(),
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 100_000, rejected: 0 });
    expect((await db.query(`SELECT count(*)::int AS c FROM context_events WHERE pipeline_id = $1`, [p.id]))[0].c).toBe(
      100_000,
    );
  }, 120_000);

  it('hides pipelines from other orgs (404) and refuses writes to members (403)', async () => {
    const p = await pipeline(owner, { name: 'private', kind: 'webhook', target_table: 'context_events' });
    const stranger = await registerOwner(t, 'ctxp-stranger');
    for (const [method, path] of [
      ['GET', `/context/pipelines/${p.id}`],
      ['PATCH', `/context/pipelines/${p.id}`],
      ['DELETE', `/context/pipelines/${p.id}`],
      ['GET', `/context/pipelines/${p.id}/runs`],
      ['GET', `/context/pipelines/${p.id}/tokens`],
      ['POST', `/context/pipelines/${p.id}/tokens`],
    ] as const) {
      const res = await api(
        t.baseUrl,
        method,
        path,
        stranger.auth,
        method === 'GET' || method === 'DELETE' ? undefined : {},
      );
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
    }
    const member = await addMember(t, owner, 'member');
    expect((await api(t.baseUrl, 'GET', `/context/pipelines/${p.id}`, member.auth)).status).toBe(200);
    expect((await api(t.baseUrl, 'POST', `/context/pipelines/${p.id}/tokens`, member.auth, {})).status).toBe(403);
    expect((await api(t.baseUrl, 'PATCH', `/context/pipelines/${p.id}`, member.auth, { enabled: false })).status).toBe(
      403,
    );
    expect((await api(t.baseUrl, 'DELETE', `/context/pipelines/${p.id}`, member.auth)).status).toBe(403);
    expect(
      (
        await api(t.baseUrl, 'POST', '/context/pipelines', member.auth, {
          name: 'm',
          kind: 'webhook',
          target_table: 'context_events',
        })
      ).status,
    ).toBe(403);
    expect((await api(t.baseUrl, 'DELETE', `/context/pipelines/${p.id}`, owner.auth)).status).toBe(204);
    expect((await api(t.baseUrl, 'GET', `/context/pipelines/${p.id}`, owner.auth)).status).toBe(404);
  });
});
