import { AuditService } from '@libs/audit';
import { randomUUID } from 'node:crypto';
import { addMember, createApiKey, registerOwner, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';
import { openSse } from './chat-helpers';

interface Entry {
  id: string;
  seq: number;
  ts: string;
  action: string;
  decision: string;
  user_id: string | null;
  api_key_id: string | null;
  resource: Record<string, unknown> | null;
  hash: string | null;
  prev_hash: string | null;
}

/** Minimal RFC 4180 parser (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

describe('audit: /policies/audit routes', () => {
  let t: TestApp;
  let owner: TestUser;
  let audit: AuditService;
  const record = (orgId: string, over: Partial<Parameters<AuditService['record']>[0]> = {}) =>
    audit.record({
      orgId,
      category: 'policy',
      action: 'chat.tool.execute',
      result: 'success',
      target: { type: 'tool', connector: 'kubernetes', tool: 'list_pods' },
      details: {},
      ...over,
    });
  const list = async (who: TestUser, query: string): Promise<Entry[]> =>
    (await t.http().get(`/api/v1/policies/audit${query}`).set(who.auth).expect(200)).body.items as Entry[];

  beforeAll(async () => {
    t = await startTestApp({ AGENTCY_FEATURES_POLICIES: 'true' });
    audit = t.app.get(AuditService);
    owner = await registerOwner(t, 'audit-routes');
    await record(owner.orgId, {
      result: 'denied',
      target: { type: 'tool', connector: 'kubernetes', tool: 'delete_pod' },
    });
    await record(owner.orgId, { target: { type: 'tool', connector: 'github', tool: 'list_issues' } });
    await record(owner.orgId, {
      action: 'memory.create',
      category: 'memory',
      actor: { userId: owner.userId, email: owner.email },
      target: { type: 'memory', id: 'm1' },
      details: { note: '=HYPERLINK("http://evil.test","x")', other: '+1, "quoted"' },
    });
  });
  afterAll(() => t.close());

  it('lists with the spec filters: decision, action, connector, resource.tool, user_id, api_key_id, since/until', async () => {
    const all = await list(owner, '?limit=200');
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => b - a));
    expect(all[0]).toHaveProperty('hash');
    const denied = await list(owner, '?decision=deny');
    expect(denied.map((e) => e.resource?.tool)).toEqual(['delete_pod']);
    expect((await list(owner, '?connector=github')).map((e) => e.resource?.tool)).toEqual(['list_issues']);
    expect((await list(owner, '?resource.tool=delete_pod')).map((e) => e.decision)).toEqual(['deny']);
    expect((await list(owner, '?action=memory.create')).map((e) => e.user_id)).toEqual([owner.userId]);
    expect(await list(owner, `?user_id=${owner.userId}&action=memory.create`)).toHaveLength(1);
    const key = await createApiKey(t, owner);
    await record(owner.orgId, { action: 'via.key', actor: { apiKeyId: key.id } });
    expect((await list(owner, `?api_key_id=${key.id}`)).map((e) => e.action)).toEqual(['via.key']);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await list(owner, `?since=${future}`)).toEqual([]);
    expect((await list(owner, `?until=${future}&limit=200`)).length).toBe((await list(owner, '?limit=200')).length);
    const page = await t.http().get('/api/v1/policies/audit?limit=2').set(owner.auth).expect(200);
    expect(page.body.items).toHaveLength(2);
    const next = await t
      .http()
      .get(`/api/v1/policies/audit?limit=2&cursor=${encodeURIComponent(page.body.next_cursor)}`)
      .set(owner.auth)
      .expect(200);
    expect(next.body.items[0].seq).toBe(page.body.items[1].seq - 1);
    // hostile input is a 400 envelope
    const bad = await t.http().get('/api/v1/policies/audit?decision=maybe').set(owner.auth).expect(400);
    expect(bad.body.error.code).toBe('validation_failed');
    await t.http().get(`/api/v1/policies/audit?since=${future}&until=2020-01-01T00:00:00Z`).set(owner.auth).expect(400);
  });

  it('one entry by id; another org’s entry id and a malformed id are 404', async () => {
    const [e] = await list(owner, '?limit=1');
    const one = await t.http().get(`/api/v1/policies/audit/${e.id}`).set(owner.auth).expect(200);
    expect(one.body).toMatchObject({ id: e.id, seq: e.seq });
    const other = await registerOwner(t, 'audit-other');
    await t.http().get(`/api/v1/policies/audit/${e.id}`).set(other.auth).expect(404);
    await t.http().get('/api/v1/policies/audit/not-a-uuid').set(owner.auth).expect(404);
    expect((await list(other, '?limit=200')).some((x) => x.id === e.id)).toBe(false);
  });

  it('a member gets 403 on every audit route', async () => {
    const member = await addMember(t, owner, 'member', 'audit-member');
    for (const path of ['audit', 'audit.csv', 'audit/verify', 'audit/stream', `audit/${randomUUID()}`]) {
      await t.http().get(`/api/v1/policies/${path}`).set(member.auth).expect(403);
    }
  });

  it('exports CSV with the same filters, streamed, with formula cells neutralised', async () => {
    const res = await t
      .http()
      .get('/api/v1/policies/audit.csv?action=memory.create')
      .set(owner.auth)
      .buffer(true)
      .parse((r, cb) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (text += c));
        r.on('end', () => cb(null, text));
      })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-length']).toBeUndefined();
    const rows = parseCsv(res.body as string);
    expect(rows[0].slice(0, 6)).toEqual(['seq', 'id', 'ts', 'category', 'action', 'decision']);
    expect(rows).toHaveLength(2);
    const cells = Object.fromEntries(rows[0].map((h, i) => [h, rows[1][i]]));
    expect(cells.action).toBe('memory.create');
    expect(JSON.parse(cells.details)).toEqual({ note: '=HYPERLINK("http://evil.test","x")', other: '+1, "quoted"' });

    await record(owner.orgId, { action: '=cmd|calc', target: { type: 'x', connector: '@evil' } });
    const formula = await t.http().get('/api/v1/policies/audit.csv?action=%3Dcmd%7Ccalc').set(owner.auth).expect(200);
    const [head, row] = parseCsv(formula.text);
    const f = Object.fromEntries(head.map((h, i) => [h, row[i]]));
    expect(f.action).toBe("'=cmd|calc");
    expect(f.connector).toBe("'@evil");

    // many pages: every matching entry, oldest first
    await Promise.all(Array.from({ length: 1100 }, (_, i) => record(owner.orgId, { action: 'bulk', details: { i } })));
    const bulk = parseCsv(
      (await t.http().get('/api/v1/policies/audit.csv?action=bulk').set(owner.auth).expect(200)).text,
    ).slice(1);
    expect(bulk).toHaveLength(1100);
    const seqs = bulk.map((r) => Number(r[0]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('SSE pushes new entries (event audit, id seq), honours filters and resumes with Last-Event-ID', async () => {
    const org = await registerOwner(t, 'audit-sse');
    const url = `${t.baseUrl}/api/v1/policies/audit/stream?decision=deny`;
    const refused = await openSse(`${url}&since=2030-01-01T00:00:00Z&until=2020-01-01T00:00:00Z`, {
      headers: org.auth,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    const s = await openSse(url, { headers: org.auth });
    expect(s.status).toBe(200);
    await record(org.orgId, { action: 'first.allow' });
    await record(org.orgId, { action: 'first.deny', result: 'denied' });
    const first = await s.waitFor((e) => e.event === 'audit');
    expect(first.data).toMatchObject({ action: 'first.deny', decision: 'deny' });
    expect(first.id).toBe(String(first.data.seq));
    s.abort();

    await record(org.orgId, { action: 'missed.deny', result: 'denied' });
    await record(org.orgId, { action: 'missed.allow' });
    const resumed = await openSse(url, { headers: { ...org.auth, 'Last-Event-ID': first.id! } });
    const missed = await resumed.waitFor((e) => e.event === 'audit');
    expect(missed.data.action).toBe('missed.deny');
    await record(org.orgId, { action: 'live.deny', result: 'denied' });
    await resumed.waitFor((e) => e.event === 'audit' && e.data.action === 'live.deny');
    expect(resumed.events.filter((e) => e.event === 'audit').map((e) => e.data.action)).toEqual([
      'missed.deny',
      'live.deny',
    ]);
    resumed.abort();
  });

  it('SSE ends when the credential it was opened with is revoked', async () => {
    const org = await registerOwner(t, 'audit-sse-revoke');
    const key = await createApiKey(t, org, { role: 'admin' });
    const s = await openSse(`${t.baseUrl}/api/v1/policies/audit/stream`, { headers: key.auth });
    expect(s.status).toBe(200);
    let ended = false;
    void s.done.then(() => (ended = true));
    await record(org.orgId, { action: 'before.revoke' });
    await s.waitFor((e) => e.event === 'audit' && e.data.action === 'before.revoke');
    expect(ended).toBe(false);
    await t.http().delete(`/api/v1/api-keys/${key.id}`).set(org.auth).expect(204);
    await s.done;
    expect(ended).toBe(true);
    await t.http().get('/api/v1/policies/audit/stream').set(key.auth).expect(401);
  });

  it('SSE on one replica receives entries committed by another', async () => {
    const t2 = await startTestApp({ AGENTCY_FEATURES_POLICIES: 'true' });
    try {
      const org = await registerOwner(t, 'audit-sse-replica');
      const s = await openSse(`${t.baseUrl}/api/v1/policies/audit/stream`, { headers: org.auth });
      await t2.app
        .get(AuditService)
        .record({ orgId: org.orgId, category: 'policy', action: 'elsewhere', result: 'success' });
      const e = await s.waitFor((x) => x.event === 'audit' && x.data.action === 'elsewhere');
      expect(e.data.hash).toMatch(/^[0-9a-f]{64}$/);
      s.abort();
    } finally {
      await t2.close();
    }
  });

  it('feature off for the org: 404 feature_disabled on /policies/audit*, /activity/audit keeps working', async () => {
    const org = await registerOwner(t, 'audit-off');
    await t.http().put('/api/v1/settings/features').set(org.auth).send({ policies: false }).expect(200);
    for (const path of ['audit', 'audit.csv', 'audit/verify', 'audit/stream', `audit/${randomUUID()}`]) {
      const res = await t.http().get(`/api/v1/policies/${path}`).set(org.auth).expect(404);
      expect(res.body.error.code).toBe('feature_disabled');
    }
    await t.http().get('/api/v1/activity/audit').set(org.auth).expect(200);
  });
});
