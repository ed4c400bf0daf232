import { ToolExecutionError } from '@libs/connectors/connector';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { Neo4jService } from '@libs/graph/neo4j.service';
import { EventBus } from '@libs/redis/event-bus.service';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import {
  createScratchDb,
  dropScratchDb,
  PG_READER,
  readerUrl,
  suitePrefix,
  testUploadDir,
  waitForJob,
} from './sources-helpers';

/** A tiny file server whose content and latency the test controls. */
function fileServer() {
  const files = new Map<string, { body: string; type: string; delayMs?: number }>();
  const server: Server = createServer((req, res) => {
    const f = files.get(req.url ?? '');
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    const send = () => {
      if (res.destroyed) {
        return;
      }
      res.writeHead(200, { 'content-type': f.type }).end(f.body);
    };
    if (f.delayMs) {
      setTimeout(send, f.delayMs).unref();
    } else {
      send();
    }
  });
  return { server, files };
}

describe('sources sync: csv/json/postgres into Neo4j, snapshots, 409, cancel, tools (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let neo: Neo4jService;
  const fs = fileServer();
  let base: string;
  const scratch = `agentcy_src_sync_${randomUUID().slice(0, 8)}`;
  let pgUrl: string;
  const events: { type: string; data: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    pgUrl = await createScratchDb(scratch);
    // the approved execute tool below inserts as the (non-superuser) reader role
    const grant = new Client({ connectionString: pgUrl });
    await grant.connect();
    await grant.query(`GRANT INSERT ON app.users TO ${PG_READER}`);
    await grant.end();
    await new Promise<void>((r) => fs.server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(fs.server.address() as AddressInfo).port}`;
    t = await startTestApp({
      REDIS_PREFIX: suitePrefix('sync'),
      UPLOAD_DIR: testUploadDir(),
      INGEST_BATCH_SIZE: '2',
      INGEST_CONCURRENCY: '4',
      INGEST_ATOMIC_MAX_ROWS: '2',
    });
    neo = t.app.get(Neo4jService);
    a = await registerOwner(t, 'synca');
    b = await registerOwner(t, 'syncb');
    await t.app.get(EventBus).subscribe(`org:${a.orgId}:events`, (m) => events.push(m as never));
  });

  afterAll(async () => {
    await t?.close();
    fs.server.closeAllConnections();
    await new Promise((r) => fs.server.close(r));
    await dropScratchDb(scratch);
  });

  const liveNodes = async (orgId: string, sourceId: string) =>
    (
      await neo.read(
        'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN n ORDER BY n.key',
        { org: orgId, src: sourceId },
      )
    ).records.map(
      (r) =>
        ({ ...(r.get('n').properties as Record<string, unknown>), labels: r.get('n').labels as string[] }) as Record<
          string,
          any
        > & { labels: string[] },
    );

  const sync = async (user: TestUser, id: string, expectStatus = 'succeeded') => {
    const r = await t.http().post(`/api/v1/sources/${id}/sync`).set(user.auth).send({}).expect(202);
    expect(r.body.status).toBe('queued');
    return waitForJob(t, user.auth, id, r.body.id, [
      expectStatus === 'succeeded' ? 'succeeded' : expectStatus,
      'failed',
      'succeeded',
      'cancelled',
    ]);
  };

  it('syncs a csv URL into :Entity:<Label> nodes with org/realm/source props, archives orphans on re-sync', async () => {
    fs.files.set('/people.csv', {
      type: 'text/csv',
      body: 'id,name,team\n1,Ada,core\n2,Bob,infra\n3,Cy,core\n4,Di,web\n5,Ed,web\n',
    });
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({
        name: 'people',
        source_type: 'csv',
        realm: 'hr',
        config: { url: `${base}/people.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
      })
      .expect(201);
    const id = src.body.id;
    const job1 = await sync(a, id);
    expect(job1.status).toBe('succeeded');
    // 5 staged rows > INGEST_ATOMIC_MAX_ROWS=2: published in batches
    expect(job1.stats).toMatchObject({ nodes_written: 5, archived: 0, atomic_publish: false });
    expect(job1.stats.batches).toBeGreaterThanOrEqual(3);
    let nodes = await liveNodes(a.orgId, id);
    expect(nodes).toHaveLength(5);
    for (const n of nodes) {
      expect(n.labels).toEqual(expect.arrayContaining(['Entity', 'Person']));
      expect(n).toMatchObject({ org_id: a.orgId, realm: 'hr', source_id: id, snapshot: job1.id, label: 'Person' });
      expect(n.id).toMatch(/^n_/);
      expect(n.archived_at ?? null).toBeNull();
    }
    expect(nodes.find((n) => n.key === '2')).toMatchObject({ name: 'Bob', team: 'infra' });
    const firstIds = new Map(nodes.map((n) => [n.key, n.id]));

    // re-sync: row 4 and 5 gone, Bob moved team
    fs.files.set('/people.csv', { type: 'text/csv', body: 'id,name,team\n1,Ada,core\n2,Bob,data\n3,Cy,core\n' });
    const job2 = await sync(a, id);
    expect(job2.stats).toMatchObject({ nodes_written: 3, nodes_archived: 2 });
    nodes = await liveNodes(a.orgId, id);
    expect(nodes.map((n) => n.key)).toEqual(['1', '2', '3']);
    expect(nodes.find((n) => n.key === '2')).toMatchObject({ team: 'data', snapshot: job2.id });
    expect(nodes.find((n) => n.key === '1')!.id).toBe(firstIds.get('1')); // stable node ids across runs
    const archived = await neo.read(
      'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NOT NULL RETURN n.key AS k ORDER BY k',
      { org: a.orgId, src: id },
    );
    expect(archived.records.map((r) => r.get('k'))).toEqual(['4', '5']);

    // the source shows the last sync; history and job lists are paginated
    const got = await t.http().get(`/api/v1/sources/${id}`).set(a.auth).expect(200);
    expect(got.body.last_sync).toMatchObject({ job_id: job2.id, status: 'succeeded', nodes_written: 3 });
    expect(got.body.status).toBe('ready');
    const jobs = await t.http().get(`/api/v1/sources/${id}/jobs`).query({ limit: 1 }).set(a.auth).expect(200);
    expect(jobs.body.total).toBe(2);
    expect(jobs.body.items[0].id).toBe(job2.id);
    expect(jobs.body.next_cursor).toEqual(expect.any(String));
    const hist = await t.http().get(`/api/v1/sources/${id}/history`).set(a.auth).expect(200);
    expect(hist.body.summary).toMatchObject({ total_runs: 2, succeeded: 2, failed: 0 });
    expect(hist.body.items[0].runs).toBe(2);
    await t.http().get(`/api/v1/sources/${id}/sync-history`).set(a.auth).expect(200);

    // org events: queued → progress → completed, then graph.changed
    const mine = events
      .filter((e) => (e.data.source_id ?? (e.data.job as { source_id?: string })?.source_id) === id)
      .map((e) => e.type);
    expect(mine).toEqual(expect.arrayContaining(['job.queued', 'job.progress', 'job.completed', 'graph.changed']));

    // failing run: row 6 is malformed; batches before it were staged but nothing may be published
    fs.files.set('/people.csv', {
      type: 'text/csv',
      body: 'id,name,team\n1,ADA CHANGED,core\n2,Bob,data\n3,Cy,core\n7,Gi,ops\n8,Hu,ops\n9,"broken\n',
    });
    const job3 = await sync(a, id, 'failed');
    expect(job3.status).toBe('failed');
    expect(job3.error.code).toBeDefined();
    expect(job3.stats.nodes_staged).toBeGreaterThan(0);
    nodes = await liveNodes(a.orgId, id);
    expect(nodes.map((n) => n.key)).toEqual(['1', '2', '3']);
    expect(nodes.every((n) => n.snapshot === job2.id)).toBe(true);
    expect(nodes.find((n) => n.key === '1')!.name).toBe('Ada');
    const staged = await neo.read('MATCH (s) WHERE s._stage_job = $job RETURN count(s) AS c', { job: job3.id });
    expect(Number(staged.records[0].get('c'))).toBe(0);
    const after = await t.http().get(`/api/v1/sources/${id}`).set(a.auth).expect(200);
    expect(after.body.status).toBe('error');
    expect(events.some((e) => e.type === 'job.failed')).toBe(true);
  });

  it('syncs a json URL (records_path, nested fields flattened)', async () => {
    fs.files.set('/svc.json', {
      type: 'application/json',
      body: JSON.stringify({
        data: {
          items: [
            { slug: 'api', title: 'API', meta: { tier: 1 }, tags: ['a', 'b'] },
            { slug: 'web', title: 'Web', meta: { tier: 2 }, tags: [] },
          ],
        },
      }),
    });
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({
        name: 'services',
        source_type: 'json',
        config: {
          url: `${base}/svc.json`,
          label: 'Service',
          key_field: 'slug',
          name_field: 'title',
          records_path: 'data.items',
        },
      })
      .expect(201);
    const job = await sync(a, src.body.id);
    expect(job.status).toBe('succeeded');
    expect(job.stats.atomic_publish).toBe(true); // 2 rows: one transaction
    const nodes = await liveNodes(a.orgId, src.body.id);
    expect(nodes).toHaveLength(2);
    expect(nodes[0]).toMatchObject({ key: 'api', name: 'API', realm: 'data', 'meta.tier': 1, tags: ['a', 'b'] });
    expect(nodes[0].labels).toEqual(expect.arrayContaining(['Entity', 'Service']));
  });

  it('answers 409 sync_in_progress while a job is queued/running, and cancels it without publishing', async () => {
    fs.files.set('/slow.csv', { type: 'text/csv', body: 'id,name\n1,x\n' });
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({ name: 'slow', source_type: 'csv', config: { url: `${base}/slow.csv` } })
      .expect(201);
    const id = src.body.id;
    fs.files.set('/slow.csv', { type: 'text/csv', body: 'id,name\n1,x\n', delayMs: 8000 });
    const first = await t.http().post(`/api/v1/sources/${id}/sync`).set(a.auth).send({}).expect(202);
    const second = await t.http().post(`/api/v1/sources/${id}/sync`).set(a.auth).send({}).expect(409);
    expect(second.body.error.code).toBe('sync_in_progress');
    expect(second.body.error.details.job_id).toBe(first.body.id);
    await waitForJob(t, a.auth, id, first.body.id, ['validating', 'running']);
    await t.http().post(`/api/v1/sources/${id}/jobs/${first.body.id}/cancel`).set(b.auth).send({}).expect(404);
    const cancelled = await t
      .http()
      .post(`/api/v1/sources/${id}/jobs/${first.body.id}/cancel`)
      .set(a.auth)
      .send({})
      .expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await t
      .http()
      .post(`/api/v1/sources/${id}/jobs/${first.body.id}/cancel`)
      .set(a.auth)
      .send({})
      .expect(409);
    expect(again.body.error.code).toBe('job_not_active');
    expect(await liveNodes(a.orgId, id)).toHaveLength(0);
    expect(events.some((e) => e.type === 'job.cancelled')).toBe(true);
    // a new sync is accepted once the previous one is cancelled
    fs.files.set('/slow.csv', { type: 'text/csv', body: 'id,name\n1,x\n' });
    const third = await sync(a, id);
    expect(third.status).toBe('succeeded');
    // other org cannot see the job
    await t.http().get(`/api/v1/sources/${id}/jobs/${third.id}`).set(b.auth).expect(404);
    await t.http().get(`/api/v1/ingestion/jobs/${third.id}`).set(b.auth).expect(404);
  });

  it('ingests postgres structure (schemas, tables, columns, FK edges) and rows; tools list and read-only query', async () => {
    const src = await t
      .http()
      .post('/api/v1/sources')
      .set(a.auth)
      .send({
        name: 'shop',
        source_type: 'postgres',
        config: { connection_string: readerUrl(scratch), schemas: ['app'], row_tables: ['app.users'] },
      })
      .expect(201);
    expect(src.body.config.connection_string).toBe('***');
    const id = src.body.id;
    const job = await sync(a, id);
    expect(job.status).toBe('succeeded');
    const nodes = await liveNodes(a.orgId, id);
    const byKey = new Map(nodes.map((n) => [n.key as string, n]));
    expect(byKey.get('schema:app')!.labels).toContain('Schema');
    expect(byKey.get('table:app.users')).toMatchObject({ label: 'Table', description: 'people who log in' });
    expect(byKey.get('column:app.orders.user_id')).toMatchObject({
      label: 'Column',
      data_type: 'integer',
      nullable: false,
    });
    expect(byKey.get('column:app.users.id')).toMatchObject({ is_primary_key: true });
    expect(byKey.get('row:app.users:1')).toMatchObject({ label: 'Row', name: 'Ada', email: 'ada@example.test' });
    expect(nodes.filter((n) => n.label === 'Row')).toHaveLength(3);
    const fk = await neo.read(
      `MATCH (a:Entity {org_id: $org, source_id: $src, key: 'table:app.orders'})-[r:REFERENCES]->(b:Entity {key: 'table:app.users'}) RETURN r`,
      { org: a.orgId, src: id },
    );
    expect(fk.records).toHaveLength(1);
    expect(fk.records[0].get('r').properties).toMatchObject({
      org_id: a.orgId,
      source_id: id,
      snapshot: job.id,
      realm: 'data',
    });
    const colFk = await neo.read(
      `MATCH (:Entity {org_id: $org, key: 'column:app.orders.user_id'})-[r:REFERENCES]->(:Entity {key: 'column:app.users.id'}) RETURN count(r) AS c`,
      { org: a.orgId },
    );
    expect(Number(colFk.records[0].get('c'))).toBe(1);

    // tools
    const tools = await t.http().get(`/api/v1/sources/${id}/tools`).set(a.auth).expect(200);
    expect(tools.body.items.map((x: { name: string }) => x.name).sort()).toEqual([
      'describe_table',
      'execute',
      'list_tables',
      'query',
    ]);
    expect(tools.body.items.find((x: { name: string }) => x.name === 'execute')).toMatchObject({
      effect: 'destructive',
      requires_approval: true,
      qualified_name: 'postgres.execute',
    });
    const q = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/query/execute`)
      .set(a.auth)
      .send({ args: { sql: 'SELECT id, email FROM app.users WHERE id <= $1 ORDER BY id', params: [2] } })
      .expect(200);
    expect(q.body.result).toMatchObject({ columns: ['id', 'email'], row_count: 2, truncated: false });
    const capped = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/query/execute`)
      .set(a.auth)
      .send({ args: { sql: 'SELECT * FROM app.users', max_rows: 2 } })
      .expect(200);
    expect(capped.body.result).toMatchObject({ row_count: 2, truncated: true });
    const ins = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/query/execute`)
      .set(a.auth)
      .send({ args: { sql: "INSERT INTO app.users VALUES (99, 'evil@example.test', 'Evil')" } })
      .expect(400);
    expect(ins.body.error).toMatchObject({
      code: 'invalid_arguments',
      details: { tool_error: 'invalid_arguments', reason: 'not_a_select' },
    });
    const escape = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/query/execute`)
      .set(a.auth)
      .send({ args: { sql: "COMMIT; INSERT INTO app.users VALUES (98, 'e@x', 'E')" } })
      .expect(400);
    expect(escape.body.error.details.reason).toBe('multiple_statements');
    const viaExecute = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/execute/execute`)
      .set(a.auth)
      .send({ args: { sql: 'DELETE FROM app.orders' } })
      .expect(403);
    expect(viaExecute.body.error.code).toBe('approval_required');
    const desc = await t
      .http()
      .post(`/api/v1/sources/${id}/tools/describe_table/execute`)
      .set(a.auth)
      .send({ args: { table: 'app.orders' } })
      .expect(200);
    expect(desc.body.result.foreign_keys[0].references).toMatchObject({
      schema: 'app',
      table: 'users',
      columns: ['id'],
    });
    await t.http().post(`/api/v1/sources/${id}/tools/query/execute`).set(a.auth).send({ args: {} }).expect(400);

    // ToolCatalogPort (what chat uses)
    const catalog = t.app.get(ToolCatalogPort);
    const all = await catalog.listTools(a.orgId);
    const query = all.find((x) => x.qualifiedName === 'postgres.query')!;
    expect(query).toMatchObject({ sourceId: id, connector: 'postgres', effect: 'read', requiresApproval: false });
    expect(await catalog.findTool(a.orgId, 'shop.query')).toMatchObject({ sourceId: id });
    expect(await catalog.findTool(b.orgId, 'shop.query')).toBeUndefined();
    await expect(catalog.execute(a.orgId, query, { sql: "UPDATE app.users SET name = 'x'" })).rejects.toMatchObject({
      code: 'invalid_arguments',
      details: { reason: 'not_a_select' },
    });
    await expect(catalog.execute(a.orgId, query, { bogus: 1 })).rejects.toBeInstanceOf(ToolExecutionError);
    await expect(catalog.execute(b.orgId, query, { sql: 'SELECT 1' })).rejects.toMatchObject({
      code: 'tool_not_found',
    });
    const exec = all.find((x) => x.qualifiedName === 'postgres.execute')!;
    const done = (await catalog.execute(a.orgId, exec, {
      sql: "INSERT INTO app.users VALUES (50, 'z@example.test', 'Zed')",
    })) as { command: string; row_count: number };
    expect(done).toMatchObject({ command: 'INSERT', row_count: 1 });

    const c = new Client({ connectionString: pgUrl });
    await c.connect();
    try {
      const r = await c.query('SELECT id FROM app.users ORDER BY id');
      expect(r.rows.map((x) => x.id)).toEqual([1, 2, 3, 50]);
      const names = await c.query("SELECT count(*)::int AS n FROM app.users WHERE name = 'x'");
      expect(names.rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });
});
