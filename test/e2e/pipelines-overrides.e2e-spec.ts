import { Neo4jService } from '@libs/graph/neo4j.service';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './chat-helpers';
import { testUploadDir } from './sources-helpers';

/**
 * /pipelines: a step's config_overrides (applied to that run's sync job only, validated by the
 * connector schema, no secrets, egress still enforced), a failed run publishes nothing, and run
 * retention (PIPELINE_RUN_RETENTION_MAX / _DAYS).
 */
describe('/pipelines: config_overrides, failed-run rollback, run retention (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let neo: Neo4jService;
  let base: string;
  const files = new Map<string, string>();
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const f = files.get(req.url ?? '');
    if (f === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/csv' }).end(f);
  });

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({ UPLOAD_DIR: testUploadDir(), PIPELINE_RUN_RETENTION_MAX: '3' });
    neo = t.app.get(Neo4jService);
    a = await registerOwner(t, 'pipova');
    b = await registerOwner(t, 'pipovb');
  });

  afterAll(async () => {
    await t?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const createSource = async (name: string, path: string, extra: Record<string, unknown> = {}, who = a) =>
    (
      await t
        .http()
        .post('/api/v1/sources')
        .set(who.auth)
        .send({
          name,
          source_type: 'csv',
          config: { url: `${base}${path}`, label: 'Person', key_column: 'id', name_column: 'name', ...extra },
        })
        .expect(201)
    ).body.id as string;

  const createPipeline = async (body: Record<string, unknown>, who = a) => {
    const r = await t.http().post('/api/v1/pipelines').set(who.auth).send(body);
    return r;
  };

  const runToEnd = async (pipelineId: string) => {
    const started = await t.http().post(`/api/v1/pipelines/${pipelineId}/runs`).set(a.auth).send({}).expect(202);
    return eventually(async () => {
      const r = await t.http().get(`/api/v1/pipelines/${pipelineId}/runs/${started.body.id}`).set(a.auth).expect(200);
      return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : null;
    }, 30_000);
  };

  const liveKeys = async (sourceId: string) =>
    (
      await neo.read(
        'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN n.key AS k ORDER BY k',
        { org: a.orgId, src: sourceId },
      )
    ).records.map((r) => r.get('k') as string);

  it("an override changes what the run ingests; the source's own config stays as it was", async () => {
    files.set('/own.csv', 'id,name\n1,Ada\n2,Bob\n');
    files.set('/other.csv', 'id,name\n7,Gus\n8,Hal\n9,Ivy\n');
    const src = await createSource('ovr-people', '/own.csv', { headers: { Authorization: 'Bearer own-secret' } });
    const before = (await t.http().get(`/api/v1/sources/${src}`).set(a.auth).expect(200)).body.config;

    // the source's own realm (csv: `data`), so the source's own sync below shares the run's snapshot
    const p = await createPipeline({
      name: 'ovr',
      realm: 'data',
      steps: [{ source_id: src, config_overrides: { url: `${base}/other.csv`, label: 'Employee' } }],
    });
    expect(p.status).toBe(201);
    expect(p.body.steps[0].config_overrides).toEqual({ url: `${base}/other.csv`, label: 'Employee' });

    requests.length = 0;
    const run = await runToEnd(p.body.id);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]).toMatchObject({
      status: 'succeeded',
      config_overrides: { url: `${base}/other.csv`, label: 'Employee' },
    });
    expect(await liveKeys(src)).toEqual(['7', '8', '9']);
    const labels = await neo.read(
      'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN DISTINCT labels(n) AS l',
      { org: a.orgId, src },
    );
    expect(labels.records.flatMap((r) => r.get('l') as string[])).toContain('Employee');
    // the overridden request went to the other document, without the source's secret header
    const fetched = requests.filter((r) => r.url === '/other.csv');
    expect(fetched.length).toBeGreaterThan(0);
    expect(requests.some((r) => r.url === '/own.csv')).toBe(false);
    for (const r of fetched) {
      expect(r.headers.authorization).toBeUndefined();
    }

    // the source itself is unchanged; its own sync reads its own document with its own header
    const after = (await t.http().get(`/api/v1/sources/${src}`).set(a.auth).expect(200)).body.config;
    expect(after).toEqual(before);
    expect(after.url).toBe(`${base}/own.csv`);
    requests.length = 0;
    const job = await t.http().post(`/api/v1/sources/${src}/sync`).set(a.auth).send({}).expect(202);
    await eventually(async () => {
      const j = await t.http().get(`/api/v1/sources/${src}/jobs/${job.body.id}`).set(a.auth).expect(200);
      return j.body.status === 'succeeded' ? j.body : null;
    }, 30_000);
    expect(await liveKeys(src)).toEqual(['1', '2']);
    expect(requests.find((r) => r.url === '/own.csv')?.headers.authorization).toBe('Bearer own-secret');
  });

  it('refuses overrides of secret or unknown fields and ones that break the config schema (400)', async () => {
    files.set('/v.csv', 'id,name\n1,Ada\n');
    const src = await createSource('ovr-valid', '/v.csv');
    const bad = async (overrides: Record<string, unknown>) => {
      const r = await createPipeline({ name: 'ovr-bad', steps: [{ source_id: src, config_overrides: overrides }] });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      return (r.body.error.details.fields as { field: string }[]).map((f) => f.field);
    };
    expect(await bad({ headers: { Authorization: 'Bearer stolen' } })).toEqual(['steps.0.config_overrides.headers']);
    expect(await bad({ evil: true })).toEqual(['steps.0.config_overrides.evil']);
    expect(await bad({ url: 'file:///etc/passwd' })).toEqual(['steps.0.config_overrides.url']);
    expect(await bad({ label: null })).toEqual(['steps.0.config_overrides.label']);
    // PATCH is checked the same way
    const p = await createPipeline({ name: 'ovr-patch', steps: [{ source_id: src }] });
    const patched = await t
      .http()
      .patch(`/api/v1/pipelines/${p.body.id}`)
      .set(a.auth)
      .send({ steps: [{ source_id: src, config_overrides: { headers: { x: 'y' } } }] })
      .expect(400);
    expect(patched.body.error.details.fields[0].field).toBe('steps.0.config_overrides.headers');
    // another org's source cannot be named, with or without overrides
    const foreign = await createSource('ovr-foreign', '/v.csv', {}, b);
    await createPipeline({
      name: 'ovr-foreign',
      steps: [{ source_id: foreign, config_overrides: { label: 'X' } }],
    }).then((r) => expect(r.status).toBe(400));
  });

  it('attacker: an override pointing at the metadata IP or a private range is refused by the egress guard', async () => {
    files.set('/e.csv', 'id,name\n1,Ada\n');
    const src = await createSource('ovr-egress', '/e.csv', { headers: { Authorization: 'Bearer keep-me' } });
    for (const [name, url] of [
      ['ovr-meta', 'http://169.254.169.254/latest/meta-data/iam'],
      ['ovr-private', 'http://10.0.0.7/people.csv'],
    ]) {
      const p = await createPipeline({ name, steps: [{ source_id: src, config_overrides: { url } }] });
      expect(p.status).toBe(201);
      const run = await runToEnd(p.body.id);
      expect(run.status).toBe('failed');
      expect(run.steps[0].status).toBe('failed');
      expect(run.steps[0].error.code).toBe('egress_forbidden');
    }
    const denied = await t.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM audit_log WHERE org_id = $1 AND action = 'egress.denied'`, [a.orgId]);
    expect(denied[0].n).toBeGreaterThanOrEqual(2);
    // the source still points at its own document
    const cfg = (await t.http().get(`/api/v1/sources/${src}`).set(a.auth).expect(200)).body.config;
    expect(cfg.url).toBe(`${base}/e.csv`);
  });

  it('a failed run publishes nothing: what its earlier steps wrote is rolled back', async () => {
    files.set('/first.csv', 'id,name\n1,Ada\n2,Bob\n');
    files.set('/second.csv', 'id,name\n5,Eve\n');
    const first = await createSource('rb-first', '/first.csv');
    const second = await createSource('rb-second', '/second.csv');
    const p = await createPipeline({ name: 'rb', steps: [{ source_id: first }, { source_id: second }] });
    expect((await runToEnd(p.body.id)).status).toBe('succeeded');
    expect(await liveKeys(first)).toEqual(['1', '2']);

    // step 1 would now replace 2 by 3, but step 2 fails: the run publishes nothing
    files.set('/first.csv', 'id,name\n1,Ada\n3,Cy\n');
    files.delete('/second.csv');
    const failed = await runToEnd(p.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'failed']);
    expect(failed.stats).toMatchObject({ rolled_back_restored: 1, rolled_back_archived: 1 });
    expect(await liveKeys(first)).toEqual(['1', '2']);
    expect(await liveKeys(second)).toEqual(['5']);
  });

  it('keeps at most PIPELINE_RUN_RETENTION_MAX finished runs per pipeline and drops those past _DAYS', async () => {
    files.set('/ret.csv', 'id,name\n1,Ada\n');
    const src = await createSource('ret', '/ret.csv');
    const p = await createPipeline({ name: 'ret', steps: [{ source_id: src }] });
    const other = await createPipeline({ name: 'ret-other', steps: [{ source_id: src }] });
    const otherRun = await runToEnd(other.body.id);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await runToEnd(p.body.id)).id);
    }
    const list = await t.http().get(`/api/v1/pipelines/${p.body.id}/runs?limit=50`).set(a.auth).expect(200);
    expect(list.body.items.map((r: { id: string }) => r.id).sort()).toEqual(ids.slice(2).sort());
    await t.http().get(`/api/v1/pipelines/${p.body.id}/runs/${ids[0]}`).set(a.auth).expect(404);
    // the other pipeline's run is not counted against this one
    await t.http().get(`/api/v1/pipelines/${other.body.id}/runs/${otherRun.id}`).set(a.auth).expect(200);

    // age: a run finished 100 days ago goes at the next finish (default PIPELINE_RUN_RETENTION_DAYS = 90)
    await t.app
      .get(DataSource)
      .query(`UPDATE pipeline_runs SET finished_at = now() - interval '100 days' WHERE id = $1`, [ids[2]]);
    const latest = await runToEnd(p.body.id);
    const after = await t.http().get(`/api/v1/pipelines/${p.body.id}/runs?limit=50`).set(a.auth).expect(200);
    expect(after.body.items.map((r: { id: string }) => r.id).sort()).toEqual([ids[3], ids[4], latest.id].sort());
  });
});
