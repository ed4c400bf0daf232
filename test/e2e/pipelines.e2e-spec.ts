import { ServiceTokenService } from '@libs/auth/service-token.service';
import { Neo4jService } from '@libs/graph/neo4j.service';
import { EventBus } from '@libs/redis/event-bus.service';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { addMember, registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import type { FakeKubeApi } from '../support/connectors/fake-kube-api';
import { openWs } from '../support/ws-client';
import { createKubeSource, eventually, withFakeKube } from './chat-helpers';
import { suitePrefix, testUploadDir, waitForJob } from './sources-helpers';

describe('/pipelines: definitions, runs, 409, retry, revert (e2e)', () => {
  let t: TestApp;
  let a: TestUser;
  let b: TestUser;
  let member: TestUser;
  let neo: Neo4jService;
  let kube: FakeKubeApi;
  let base: string;
  const files = new Map<string, { body: string; delayMs?: number }>();
  const server: Server = createServer((req, res) => {
    const f = files.get(req.url ?? '');
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    setTimeout(() => !res.destroyed && res.writeHead(200, { 'content-type': 'text/csv' }).end(f.body), f.delayMs ?? 0);
  });
  const events: { type: string; data: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    kube = await withFakeKube();
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startTestApp({ REDIS_PREFIX: suitePrefix('pipelines'), UPLOAD_DIR: testUploadDir() });
    neo = t.app.get(Neo4jService);
    a = await registerOwner(t, 'pipa');
    b = await registerOwner(t, 'pipb');
    member = await addMember(t, a, 'member', 'pipm');
    await t.app.get(EventBus).subscribe(`org:${a.orgId}:events`, (m) => events.push(m as never));
  });

  afterAll(async () => {
    await t?.close();
    await kube?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const createSource = async (name: string, path: string) =>
    (
      await t
        .http()
        .post('/api/v1/sources')
        .set(a.auth)
        .send({
          name,
          source_type: 'csv',
          config: { url: `${base}${path}`, label: 'Person', key_column: 'id', name_column: 'name' },
        })
        .expect(201)
    ).body.id as string;

  const waitRun = (pipelineId: string, runId: string) =>
    eventually(async () => {
      const r = await t.http().get(`/api/v1/pipelines/${pipelineId}/runs/${runId}`).set(a.auth).expect(200);
      return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : null;
    }, 30_000);

  const liveKeys = async (sourceId: string) =>
    (
      await neo.read(
        'MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN n.key AS k ORDER BY k',
        { org: a.orgId, src: sourceId },
      )
    ).records.map((r) => r.get('k') as string);

  it('validates definitions: unknown source 400, bad schedule 400, duplicate name 409, PATCH bumps version', async () => {
    files.set('/v.csv', { body: 'id,name\n1,Ada\n' });
    const src = await createSource('people-v', '/v.csv');
    await t
      .http()
      .post('/api/v1/pipelines')
      .set(a.auth)
      .send({ name: 'p-bad', steps: [{ source_id: '00000000-0000-4000-8000-000000000000' }] })
      .expect(400);
    await t
      .http()
      .post('/api/v1/pipelines')
      .set(a.auth)
      .send({ name: 'p-bad', steps: [{ source_id: src }], schedule: 'every day' })
      .expect(400);
    await t
      .http()
      .post('/api/v1/pipelines')
      .set(a.auth)
      .send({ name: 'p-bad', steps: [{ source_id: src }], extra: 1 })
      .expect(400);
    const p = await t
      .http()
      .post('/api/v1/pipelines')
      .set(a.auth)
      .send({ name: 'p-v', steps: [{ source_id: src, config_overrides: { label: 'X' } }], schedule: '0 3 * * *' })
      .expect(201);
    expect(p.body).toMatchObject({ name: 'p-v', version: 1, schedule: '0 3 * * *', retention_days: 30 });
    expect(p.body.id).toMatch(/^pip_/);
    const dup = await t
      .http()
      .post('/api/v1/pipelines')
      .set(a.auth)
      .send({ name: 'P-V', steps: [{ source_id: src }] })
      .expect(409);
    expect(dup.body.error.code).toBe('already_exists');
    const up = await t
      .http()
      .patch(`/api/v1/pipelines/${p.body.id}`)
      .set(a.auth)
      .send({ schedule: 'manual' })
      .expect(200);
    expect(up.body).toMatchObject({ version: 2, schedule: 'manual' });
    const list = await t.http().get('/api/v1/pipelines').set(member.auth).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).toContain(p.body.id);
    // attacker: another org sees nothing, a member cannot write
    await t.http().get(`/api/v1/pipelines/${p.body.id}`).set(b.auth).expect(404);
    await t.http().patch(`/api/v1/pipelines/${p.body.id}`).set(b.auth).send({ enabled: false }).expect(404);
    await t.http().post(`/api/v1/pipelines/${p.body.id}/runs`).set(b.auth).send({}).expect(404);
    await t.http().patch(`/api/v1/pipelines/${p.body.id}`).set(member.auth).send({ enabled: false }).expect(403);
    await t.http().post(`/api/v1/pipelines/${p.body.id}/runs`).set(member.auth).send({}).expect(403);
    await t
      .http()
      .post('/api/v1/pipelines')
      .set(b.auth)
      .send({ name: 'x', steps: [{ source_id: src }] })
      .expect(400);
  });

  it('runs over a csv source, 409 while active, revert restores the earlier snapshot, retry after failure', async () => {
    files.set('/people.csv', { body: 'id,name\n1,Ada\n2,Bob\n3,Cy\n', delayMs: 1500 });
    const src = await createSource('people-run', '/people.csv');
    const p = (
      await t
        .http()
        .post('/api/v1/pipelines')
        .set(a.auth)
        .send({ name: 'p-run', steps: [{ source_id: src }] })
        .expect(201)
    ).body;

    const r1 = await t.http().post(`/api/v1/pipelines/${p.id}/runs`).set(a.auth).send({}).expect(202);
    expect(r1.body).toMatchObject({ pipeline_version: 1, status: 'validating' });
    expect(r1.body.id).toMatch(/^prun_/);
    const busy = await t.http().post(`/api/v1/pipelines/${p.id}/runs`).set(a.auth).send({}).expect(409);
    expect(busy.body.error.code).toBe('run_in_progress');
    await t.http().delete(`/api/v1/pipelines/${p.id}`).set(a.auth).expect(409);
    const run1 = await waitRun(p.id, r1.body.id);
    expect(run1.status).toBe('succeeded');
    expect(run1.steps[0]).toMatchObject({ source_id: src, status: 'succeeded' });
    expect(run1.steps[0].stats).toMatchObject({ nodes_written: 3 });
    expect(run1.stats).toMatchObject({ nodes_written: 3 });
    expect(await liveKeys(src)).toEqual(['1', '2', '3']);
    const seen = events.filter((e) => e.type === 'pipeline_run.updated' && e.data.run_id === r1.body.id);
    expect(seen.map((e) => e.data.status)).toEqual(expect.arrayContaining(['running', 'finalizing', 'succeeded']));

    // run 2: node 3 goes away, node 4 appears
    files.set('/people.csv', { body: 'id,name\n1,Ada\n2,Bob\n4,Di\n' });
    const r2 = await t.http().post(`/api/v1/pipelines/${p.id}/runs`).set(a.auth).send({}).expect(202);
    expect((await waitRun(p.id, r2.body.id)).status).toBe('succeeded');
    expect(await liveKeys(src)).toEqual(['1', '2', '4']);

    await t
      .http()
      .post(`/api/v1/pipelines/${p.id}/revert`)
      .set(member.auth)
      .send({ to_run_id: r1.body.id })
      .expect(403);
    await t.http().post(`/api/v1/pipelines/${p.id}/revert`).set(b.auth).send({ to_run_id: r1.body.id }).expect(404);
    const rev = await t
      .http()
      .post(`/api/v1/pipelines/${p.id}/revert`)
      .set(a.auth)
      .send({ to_run_id: r1.body.id })
      .expect(200);
    expect(rev.body).toMatchObject({ restored: 1, archived: 1 });
    expect(await liveKeys(src)).toEqual(['1', '2', '3']);

    // a failing run (file gone) fails its step; retry runs the same version again
    files.delete('/people.csv');
    const r3 = await t.http().post(`/api/v1/pipelines/${p.id}/runs`).set(a.auth).send({}).expect(202);
    const run3 = await waitRun(p.id, r3.body.id);
    expect(run3.status).toBe('failed');
    expect(run3.steps[0].status).toBe('failed');
    expect(run3.error).toBeTruthy();
    await t.http().post(`/api/v1/pipelines/${p.id}/runs/${r1.body.id}/retry`).set(a.auth).send({}).expect(409);
    files.set('/people.csv', { body: 'id,name\n1,Ada\n' });
    const r4 = await t
      .http()
      .post(`/api/v1/pipelines/${p.id}/runs/${r3.body.id}/retry`)
      .set(a.auth)
      .send({})
      .expect(202);
    expect(r4.body).toMatchObject({ retry_of: r3.body.id, pipeline_version: 1 });
    expect((await waitRun(p.id, r4.body.id)).status).toBe('succeeded');
    expect(await liveKeys(src)).toEqual(['1']);

    const runs = await t.http().get(`/api/v1/pipelines/${p.id}/runs`).set(a.auth).expect(200);
    expect(runs.body.items).toHaveLength(4);
    await t.http().get(`/api/v1/pipelines/${p.id}/runs`).set(b.auth).expect(404);

    // outside the retention window
    await t.app
      .get(DataSource)
      .query(`UPDATE pipeline_runs SET finished_at = now() - interval '40 days' WHERE id = $1`, [r1.body.id]);
    const old = await t
      .http()
      .post(`/api/v1/pipelines/${p.id}/revert`)
      .set(a.auth)
      .send({ to_run_id: r1.body.id })
      .expect(409);
    expect(old.body.error.code).toBe('revert_window_expired');
    await t.http().delete(`/api/v1/pipelines/${p.id}`).set(a.auth).expect(204);
    await t.http().get(`/api/v1/pipelines/${p.id}`).set(a.auth).expect(404);
  });

  it('/pipeline-agent: only a live pipeline JWT of the run is accepted; records, tool calls, complete', async () => {
    files.set('/slow1.csv', { body: 'id,name\n1,Ada\n' });
    files.set('/slow2.csv', { body: 'id,name\n1,Ada\n' });
    const s1 = await createSource('slow-1', '/slow1.csv');
    const s2 = await createSource('slow-2', '/slow2.csv');
    const mk = async (name: string, src: string) =>
      (
        await t
          .http()
          .post('/api/v1/pipelines')
          .set(a.auth)
          .send({ name, steps: [{ source_id: src }] })
          .expect(201)
      ).body.id as string;
    const p1 = await mk('agent-1', s1);
    const p2 = await mk('agent-2', s2);
    // the runs stay active while the agent works: their connector validation and fetch are slow
    files.set('/slow1.csv', { body: 'id,name\n1,Ada\n', delayMs: 6000 });
    files.set('/slow2.csv', { body: 'id,name\n1,Ada\n', delayMs: 6000 });
    const run1 = (await t.http().post(`/api/v1/pipelines/${p1}/runs`).set(a.auth).send({}).expect(202)).body.id;
    const run2 = (await t.http().post(`/api/v1/pipelines/${p2}/runs`).set(a.auth).send({}).expect(202)).body.id;
    // WebSocket: the run's own topic for its org, refused for another org
    const ws = await openWs(t.baseUrl, { token: a.token });
    expect((await ws.subscribe([`pipeline_run:${run2}`, 'pipeline_runs'])).data).toMatchObject({
      topics: [`pipeline_run:${run2}`, 'pipeline_runs'],
    });
    const wsB = await openWs(t.baseUrl, { token: b.token });
    expect((await wsB.subscribe([`pipeline_run:${run2}`])).data).toMatchObject({ rejected: [`pipeline_run:${run2}`] });
    await wsB.close();
    await t.http().post(`/api/v1/pipelines/${p1}/runs/${run1}/agent-token`).set(member.auth).send({}).expect(403);
    await t.http().post(`/api/v1/pipelines/${p1}/runs/${run1}/agent-token`).set(b.auth).send({}).expect(404);
    const tok1 = (
      await t.http().post(`/api/v1/pipelines/${p1}/runs/${run1}/agent-token`).set(a.auth).send({}).expect(201)
    ).body.token as string;
    const tok2 = (
      await t.http().post(`/api/v1/pipelines/${p2}/runs/${run2}/agent-token`).set(a.auth).send({}).expect(201)
    ).body.token as string;
    const bearer = (tok: string) => ({ Authorization: `Bearer ${tok}` });

    const ctx1 = await t.http().get('/api/v1/pipeline-agent/context').set(bearer(tok1)).expect(200);
    expect(ctx1.body).toMatchObject({ pipeline_id: p1, run: { id: run1 } });
    const ctx2 = await t.http().get('/api/v1/pipeline-agent/context').set(bearer(tok2)).expect(200);
    expect(ctx2.body).toMatchObject({ pipeline_id: p2, run: { id: run2 } });

    // a user token, a forged/expired pipeline token, no token → 401
    await t.http().get('/api/v1/pipeline-agent/context').set(a.auth).expect(401);
    await t.http().get('/api/v1/pipeline-agent/context').expect(401);
    const expired = await t.app.get(ServiceTokenService).mintPipelineToken(a.orgId, run1, -10);
    await t.http().get('/api/v1/pipeline-agent/context').set(bearer(expired)).expect(401);
    // a token of a run of another org's id space finds nothing
    const foreign = await t.app.get(ServiceTokenService).mintPipelineToken(b.orgId, run1, 60);
    await t.http().get('/api/v1/pipeline-agent/context').set(bearer(foreign)).expect(401);

    const rec = await t
      .http()
      .post('/api/v1/pipeline-agent/records')
      .set(bearer(tok1))
      .send({ nodes: [{ label: 'Note', key: 'k1', name: 'agent note' }], edges: [] })
      .expect(200);
    expect(rec.body).toMatchObject({ nodes_written: 1 });
    const n = await neo.read('MATCH (n:Entity {org_id: $org, source_id: $src, key: "k1"}) RETURN n.name AS name', {
      org: a.orgId,
      src: `pipeline:${p1}`,
    });
    expect(n.records[0]?.get('name')).toBe('agent note');
    const missing = await t
      .http()
      .post('/api/v1/pipeline-agent/tool-calls')
      .set(bearer(tok1))
      .send({ tool: 'nope.nothing', args: {} })
      .expect(404);
    expect(missing.body.error).toBeTruthy();
    await createKubeSource(t.baseUrl, a.auth, kube, 'prod-cluster');
    const read = await t
      .http()
      .post('/api/v1/pipeline-agent/tool-calls')
      .set(bearer(tok1))
      .send({ tool: 'kubernetes.list_pods', args: { namespace: 'default' } })
      .expect(200);
    expect(read.body.tool).toBe('kubernetes.list_pods');
    const destructive = await t
      .http()
      .post('/api/v1/pipeline-agent/tool-calls')
      .set(bearer(tok1))
      .send({ tool: 'kubernetes.delete_pod', args: { namespace: 'default', name: 'x' } })
      .expect(403);
    expect(destructive.body.error.code).toBe('approval_not_available');

    await t
      .http()
      .post('/api/v1/pipeline-agent/complete')
      .set(bearer(tok1))
      .send({ status: 'succeeded', summary: 'done' })
      .expect(200);
    // the completed run's token is refused, the other run's token still works
    await t.http().get('/api/v1/pipeline-agent/context').set(bearer(tok1)).expect(401);
    await t.http().get('/api/v1/pipeline-agent/context').set(bearer(tok2)).expect(200);
    // once the run is finished its token is refused too
    expect((await waitRun(p2, run2)).status).toBe('succeeded');
    await t.http().get('/api/v1/pipeline-agent/context').set(bearer(tok2)).expect(401);
    const done = await ws.next(
      (m) => m.type === 'pipeline_run.updated' && m.data?.run_id === run2 && m.data?.status === 'succeeded',
      10_000,
    );
    expect(done.data).toMatchObject({ run_id: run2, pipeline_id: p2 });
    await ws.close();
    await t.http().post(`/api/v1/pipelines/${p2}/runs/${run2}/agent-token`).set(a.auth).send({}).expect(409);
    await waitRun(p1, run1);
  });

  it('cancels an active run: the sync job is cancelled, the run ends cancelled, a new run may start', async () => {
    files.set('/cancel.csv', { body: 'id,name\n1,Ada\n' });
    const src = await createSource('cancel-src', '/cancel.csv');
    const p = (
      await t
        .http()
        .post('/api/v1/pipelines')
        .set(a.auth)
        .send({ name: 'p-cancel', steps: [{ source_id: src }] })
        .expect(201)
    ).body.id as string;
    files.set('/cancel.csv', { body: 'id,name\n1,Ada\n', delayMs: 3000 });
    const run = (await t.http().post(`/api/v1/pipelines/${p}/runs`).set(a.auth).send({}).expect(202)).body.id as string;
    const jobId = await eventually(async () => {
      const r = await t.http().get(`/api/v1/pipelines/${p}/runs/${run}`).set(a.auth).expect(200);
      return r.body.steps[0].job_id as string | null;
    });
    await t.http().post(`/api/v1/pipelines/${p}/runs/${run}/cancel`).set(member.auth).send({}).expect(403);
    await t.http().post(`/api/v1/pipelines/${p}/runs/${run}/cancel`).set(b.auth).send({}).expect(404);
    const c = await t.http().post(`/api/v1/pipelines/${p}/runs/${run}/cancel`).set(a.auth).send({}).expect(200);
    expect(c.body).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    const again = await t.http().post(`/api/v1/pipelines/${p}/runs/${run}/cancel`).set(a.auth).send({}).expect(409);
    expect(again.body.error.code).toBe('run_not_active');
    const ended = await eventually(async () => {
      const r = await t.http().get(`/api/v1/pipelines/${p}/runs/${run}`).set(a.auth).expect(200);
      return r.body.steps[0].status === 'skipped' ? r.body : null;
    }, 20_000);
    expect(ended.status).toBe('cancelled');
    expect(ended.steps[0].job_id).toBe(jobId);
    const job = await eventually(async () => {
      const r = await t.http().get(`/api/v1/sources/${src}/jobs/${jobId}`).set(a.auth).expect(200);
      return ['cancelled', 'succeeded', 'failed'].includes(r.body.status) ? r.body : null;
    }, 20_000);
    expect(job.status).toBe('cancelled');
    files.set('/cancel.csv', { body: 'id,name\n1,Ada\n' });
    const next = (await t.http().post(`/api/v1/pipelines/${p}/runs`).set(a.auth).send({}).expect(202)).body.id;
    expect((await waitRun(p, next)).status).toBe('succeeded');
  });

  describe("target realm: a run's nodes get the pipeline's realm", () => {
    /** Live node keys of a source in a realm, through the graph API. */
    const keysIn = async (sourceId: string, realm: string, who = a) =>
      (
        (await t.http().get('/api/v1/graph/nodes').query({ source_id: sourceId, realm }).set(who.auth).expect(200)).body
          .items as { key: string; realm: string }[]
      )
        .map((n) => {
          expect(n.realm).toBe(realm);
          return n.key;
        })
        .sort();
    const runPipeline = async (pipelineId: string) => {
      const r = await t.http().post(`/api/v1/pipelines/${pipelineId}/runs`).set(a.auth).send({}).expect(202);
      return waitRun(pipelineId, r.body.id);
    };
    const syncDirectly = async (sourceId: string) => {
      const job = await t.http().post(`/api/v1/sources/${sourceId}/sync`).set(a.auth).send({}).expect(202);
      expect((await waitForJob(t, a.auth, sourceId, job.body.id)).status).toBe('succeeded');
      return job.body.id as string;
    };
    const jobRealm = async (jobId: string) =>
      (await t.app.get(DataSource).query(`SELECT realm FROM sync_jobs WHERE id = $1`, [jobId]))[0].realm as
        string | null;

    it('an upload source in realm A run by a pipeline in realm B writes B; its own sync still writes A', async () => {
      const up = await t
        .http()
        .post('/api/v1/ingestion/upload')
        .set(a.auth)
        .attach('file', Buffer.from('id,name\n1,Ada\n2,Bob\n'), {
          filename: 'realm-people.csv',
          contentType: 'text/csv',
        })
        .field('label', 'Person')
        .field('realm', 'pr-alpha')
        .expect(202);
      const src = up.body.source.id as string;
      expect((await waitForJob(t, a.auth, src, up.body.job.id)).status).toBe('succeeded');
      const rows = await keysIn(src, 'pr-alpha');
      expect(rows).toHaveLength(2);

      const p = await t
        .http()
        .post('/api/v1/pipelines')
        .set(a.auth)
        .send({ name: 'p-realm', realm: 'pr-beta', steps: [{ source_id: src }] })
        .expect(201);
      expect(p.body.realm).toBe('pr-beta');
      const run = await runPipeline(p.body.id);
      expect(run.status).toBe('succeeded');
      const stepJob = run.steps[0].job_id as string;
      // the realm travels with the job (a worker daemon claim or a retry reads it from there)
      expect(await jobRealm(stepJob)).toBe('pr-beta');
      const job = await t.http().get(`/api/v1/sources/${src}/jobs/${stepJob}`).set(a.auth).expect(200);
      expect(job.body.trigger).toBe('pipeline');
      expect(await keysIn(src, 'pr-beta')).toEqual(rows);
      // one node per (source, key): the nodes moved to the pipeline's realm, none was duplicated
      expect(await keysIn(src, 'pr-alpha')).toEqual([]);
      const live = await neo.read(
        `MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL RETURN count(n) AS c`,
        { org: a.orgId, src },
      );
      expect(Number(live.records[0].get('c'))).toBe(2);
      // the source itself keeps its realm
      expect((await t.http().get(`/api/v1/sources/${src}`).set(a.auth).expect(200)).body.realm).toBe('pr-alpha');
      const audit = await t.app
        .get(DataSource)
        .query(
          `SELECT details FROM audit_log WHERE org_id = $1 AND action = 'sources.sync' AND target->>'job_id' = $2`,
          [a.orgId, stepJob],
        );
      expect(audit[0]?.details).toMatchObject({ trigger: 'pipeline', realm: 'pr-beta' });

      // a plain sync of the same source writes the source's realm again
      const direct = await syncDirectly(src);
      expect(await jobRealm(direct)).toBeNull();
      expect(await keysIn(src, 'pr-alpha')).toEqual(rows);
      expect(await keysIn(src, 'pr-beta')).toEqual([]);
    });

    it("a run archives orphans only in the pipeline's realm, the source's own sync only outside it; revert too", async () => {
      files.set('/own-realm.csv', { body: 'id,name\n1,Ada\n2,Bob\n' });
      files.set('/copy-realm.csv', { body: 'id,name\n7,Gus\n8,Hal\n' });
      const src = (
        await t
          .http()
          .post('/api/v1/sources')
          .set(a.auth)
          .send({
            name: 'people-realms',
            source_type: 'csv',
            realm: 'pr-own',
            config: { url: `${base}/own-realm.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
          })
          .expect(201)
      ).body.id as string;
      await syncDirectly(src);
      expect(await keysIn(src, 'pr-own')).toEqual(['1', '2']);

      const p = await t
        .http()
        .post('/api/v1/pipelines')
        .set(a.auth)
        .send({
          name: 'p-realm-copy',
          realm: 'pr-copy',
          steps: [{ source_id: src, config_overrides: { url: `${base}/copy-realm.csv` } }],
        })
        .expect(201);
      const run1 = await runPipeline(p.body.id);
      expect(run1.status).toBe('succeeded');
      // a full run of the pipeline does not archive what the source's own sync wrote in its realm
      expect(await keysIn(src, 'pr-copy')).toEqual(['7', '8']);
      expect(await keysIn(src, 'pr-own')).toEqual(['1', '2']);

      // the source's own sync archives its orphan (2) and leaves the pipeline's realm alone
      files.set('/own-realm.csv', { body: 'id,name\n1,Ada\n' });
      await syncDirectly(src);
      expect(await keysIn(src, 'pr-own')).toEqual(['1']);
      expect(await keysIn(src, 'pr-copy')).toEqual(['7', '8']);

      // the pipeline's next run archives its own orphan (8) only
      files.set('/copy-realm.csv', { body: 'id,name\n7,Gus\n' });
      expect((await runPipeline(p.body.id)).status).toBe('succeeded');
      expect(await keysIn(src, 'pr-copy')).toEqual(['7']);
      expect(await keysIn(src, 'pr-own')).toEqual(['1']);

      // a revert works in the pipeline's realm: 8 comes back, the source's own orphan (2) stays archived
      const rev = await t
        .http()
        .post(`/api/v1/pipelines/${p.body.id}/revert`)
        .set(a.auth)
        .send({ to_run_id: run1.id })
        .expect(200);
      expect(rev.body).toMatchObject({ restored: 1, archived: 0 });
      expect(await keysIn(src, 'pr-copy')).toEqual(['7', '8']);
      expect(await keysIn(src, 'pr-own')).toEqual(['1']);
    });

    it('attacker: hostile realm values are refused (400); another org reusing a realm name writes only its own org', async () => {
      files.set('/realm-x.csv', { body: 'id,name\n1,Ada\n' });
      const src = await createSource('people-realm-x', '/realm-x.csv');
      for (const realm of [
        "x'); MATCH (n) DETACH DELETE n //",
        '../../etc/passwd',
        'Default',
        'a',
        'r'.repeat(101),
        '',
        'pr\u0000beta',
        '{"$ne":null}',
        { $ne: null },
        ['pr-beta'],
        42,
      ]) {
        const r = await t
          .http()
          .post('/api/v1/pipelines')
          .set(a.auth)
          .send({ name: 'p-realm-bad', realm, steps: [{ source_id: src }] });
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('validation_failed');
        expect(r.body.error.details.fields.map((f: { field: string }) => f.field)).toContain('realm');
      }
      // the realm is fixed at creation (PATCH has no realm field)
      const p = await t
        .http()
        .post('/api/v1/pipelines')
        .set(a.auth)
        .send({ name: 'p-realm-fixed', realm: 'pr-fixed', steps: [{ source_id: src }] })
        .expect(201);
      await t.http().patch(`/api/v1/pipelines/${p.body.id}`).set(a.auth).send({ realm: 'pr-other' }).expect(400);
      expect((await t.http().get(`/api/v1/pipelines/${p.body.id}`).set(a.auth).expect(200)).body.realm).toBe(
        'pr-fixed',
      );

      // org B names org A's realm: realms are per org, so B's run writes B's graph only
      expect((await runPipeline(p.body.id)).status).toBe('succeeded');
      expect(await keysIn(src, 'pr-fixed')).toEqual(['1']);
      files.set('/realm-b.csv', { body: 'id,name\n9,Mallory\n' });
      const bSrc = (
        await t
          .http()
          .post('/api/v1/sources')
          .set(b.auth)
          .send({
            name: 'people-realm-b',
            source_type: 'csv',
            config: { url: `${base}/realm-b.csv`, label: 'Person', key_column: 'id', name_column: 'name' },
          })
          .expect(201)
      ).body.id as string;
      const bp = await t
        .http()
        .post('/api/v1/pipelines')
        .set(b.auth)
        .send({ name: 'p-realm-b', realm: 'pr-fixed', steps: [{ source_id: bSrc }] })
        .expect(201);
      const br = await t.http().post(`/api/v1/pipelines/${bp.body.id}/runs`).set(b.auth).send({}).expect(202);
      const bRun = await eventually(async () => {
        const r = await t.http().get(`/api/v1/pipelines/${bp.body.id}/runs/${br.body.id}`).set(b.auth).expect(200);
        return ['succeeded', 'failed', 'cancelled'].includes(r.body.status) ? r.body : null;
      }, 30_000);
      expect(bRun.status).toBe('succeeded');
      expect(await keysIn(bSrc, 'pr-fixed', b)).toEqual(['9']);
      const aView = await t.http().get('/api/v1/graph/nodes').query({ realm: 'pr-fixed' }).set(a.auth).expect(200);
      expect(aView.body.items.map((n: { key: string }) => n.key)).toEqual(['1']);
      const bView = await t.http().get('/api/v1/graph/nodes').query({ realm: 'pr-fixed' }).set(b.auth).expect(200);
      expect(bView.body.items.map((n: { key: string }) => n.key)).toEqual(['9']);
      // and B cannot run A's pipeline or put A's source in its own
      await t.http().post(`/api/v1/pipelines/${p.body.id}/runs`).set(b.auth).send({}).expect(404);
      await t
        .http()
        .post('/api/v1/pipelines')
        .set(b.auth)
        .send({ name: 'p-realm-steal', realm: 'pr-fixed', steps: [{ source_id: src }] })
        .expect(400);
    });
  });
});
