import { PipelineScheduleQueue } from '@libs/queue/pipeline-schedule-queue';
import { EventBus } from '@libs/redis/event-bus.service';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { spawnApiProcess, type SpawnedApi } from '../support/spawn-api';
import { api, eventually } from './chat-helpers';
import { testUploadDir } from './sources-helpers';

interface Run {
  id: string;
  status: string;
  trigger: string;
  scheduled_for: string | null;
}

/**
 * Scheduled pipelines on two API processes (this jest process and a spawned one, both consuming
 * the `pipeline-schedules` BullMQ job schedulers) over one PostgreSQL + Redis. Schedules use a
 * seconds field (TASK_CRON_SECONDS=true, test only) so several ticks pass quickly.
 */
describe('/pipelines schedules: each tick fires once across two API processes; skips are recorded (e2e)', () => {
  let t: TestApp;
  let child: SpawnedApi;
  let u: TestUser;
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
  const call = (baseUrl: string, method: string, path: string, body?: unknown) =>
    api(baseUrl, method, path, u.auth, body);

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const uploads = testUploadDir();
    t = await startTestApp({ TASK_CRON_SECONDS: 'true', UPLOAD_DIR: uploads });
    u = await registerOwner(t, 'pipsched');
    await t.app.get(EventBus).subscribe(`org:${u.orgId}:events`, (m) => events.push(m as never));
    child = await spawnApiProcess({ TASK_CRON_SECONDS: 'true', MIGRATIONS_RUN: 'false', UPLOAD_DIR: uploads });
  }, 150_000);

  afterAll(async () => {
    await child?.kill(5_000);
    await t?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const createSource = async (name: string, path: string) => {
    const r = await call(t.baseUrl, 'POST', '/sources', {
      name,
      source_type: 'csv',
      config: { url: `${base}${path}`, label: 'Person', key_column: 'id', name_column: 'name' },
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const runsOf = async (id: string): Promise<Run[]> =>
    (await call(child.baseUrl, 'GET', `/pipelines/${id}/runs?limit=200`)).body.items;
  const scheduled = async (id: string) => (await runsOf(id)).filter((r) => r.trigger === 'schedule');
  const audits = async (action: string, pipelineId: string) =>
    (await t.app
      .get(DataSource)
      .query(`SELECT details FROM audit_log WHERE org_id = $1 AND action = $2 AND target->>'id' = $3`, [
        u.orgId,
        action,
        pipelineId,
      ])) as { details: Record<string, unknown> }[];

  it('fires each tick once across both processes; versions re-schedule; disable, manual and delete stop it', async () => {
    files.set('/fast.csv', { body: 'id,name\n1,Ada\n' });
    const src = await createSource('sched-fast', '/fast.csv');
    const created = await call(child.baseUrl, 'POST', '/pipelines', {
      name: 'every-2s',
      steps: [{ source_id: src }],
      schedule: '*/2 * * * * *',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.schedule_state.next_fire_at).toEqual(expect.any(String));

    await eventually(async () => (await scheduled(id)).length >= 4, 60_000, 250);
    const off = await call(t.baseUrl, 'PATCH', `/pipelines/${id}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body.schedule_state.next_fire_at).toBeNull();
    // let an in-flight tick land, then the count must stay put
    await new Promise((r) => setTimeout(r, 2_500));
    const runs = await scheduled(id);
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await scheduled(id)).length).toBe(runs.length);

    const due = runs.map((r) => r.scheduled_for!);
    // exactly once: no tick produced two runs, and no process even tried a second time
    expect(new Set(due).size).toBe(due.length);
    expect(
      await audits('pipelines.schedule_skipped', id).then((x) =>
        x.filter((d) => d.details.reason === 'duplicate_tick'),
      ),
    ).toEqual([]);
    for (const d of due) {
      expect(new Date(d).getUTCSeconds() % 2).toBe(0);
    }
    // consecutive ticks: each one either started a run or was recorded as skipped (a run was active)
    const pipe = (await call(t.baseUrl, 'GET', `/pipelines/${id}`)).body;
    const times = due.map((d) => Date.parse(d)).sort((x, y) => x - y);
    expect((times[times.length - 1] - times[0]) / 2000 + 1).toBeLessThanOrEqual(
      runs.length + pipe.schedule_state.fires_skipped,
    );
    expect(pipe.schedule_state.last_fire).toMatchObject({ due_at: expect.any(String) });
    await eventually(
      async () => (await runsOf(id)).every((r) => !['validating', 'running', 'finalizing'].includes(r.status)),
      30_000,
    );
    expect((await runsOf(id)).every((r) => r.status === 'succeeded')).toBe(true);
    expect((await audits('pipelines.run', id)).filter((a) => a.details.trigger === 'schedule').length).toBe(
      runs.length,
    );

    // a new version with another cron replaces the scheduler (re-enabled in the same PATCH)
    const v = await call(child.baseUrl, 'PATCH', `/pipelines/${id}`, { enabled: true, schedule: '*/3 * * * * *' });
    expect(v.status).toBe(200);
    expect(v.body.version).toBe(3);
    await eventually(async () => (await scheduled(id)).length >= runs.length + 2, 40_000, 250);
    const later = (await scheduled(id)).filter((r) => !due.includes(r.scheduled_for!));
    for (const r of later) {
      expect(new Date(r.scheduled_for!).getUTCSeconds() % 3).toBe(0);
    }

    // manual: no scheduler left
    const manual = await call(t.baseUrl, 'PATCH', `/pipelines/${id}`, { schedule: 'manual' });
    expect(manual.body.schedule_state.next_fire_at).toBeNull();
    expect(await t.app.get(PipelineScheduleQueue).scheduleNext(id)).toBeNull();
    await new Promise((r) => setTimeout(r, 3_500));
    const frozen = (await scheduled(id)).length;
    await new Promise((r) => setTimeout(r, 3_500));
    expect((await scheduled(id)).length).toBe(frozen);

    // delete removes the scheduler of a scheduled pipeline
    await call(t.baseUrl, 'PATCH', `/pipelines/${id}`, { schedule: '0 3 * * *' });
    expect(await t.app.get(PipelineScheduleQueue).scheduleNext(id)).toEqual(expect.any(Number));
    await eventually(
      async () => (await runsOf(id)).every((r) => !['validating', 'running', 'finalizing'].includes(r.status)),
      30_000,
    );
    expect((await call(t.baseUrl, 'DELETE', `/pipelines/${id}`)).status).toBe(204);
    expect(await t.app.get(PipelineScheduleQueue).scheduleNext(id)).toBeNull();
  }, 180_000);

  it('a tick while a run is active is skipped and recorded (audit, event, schedule_state), never a second run', async () => {
    files.set('/slow.csv', { body: 'id,name\n1,Ada\n', delayMs: 5_000 });
    const src = await createSource('sched-slow', '/slow.csv');
    const created = await call(t.baseUrl, 'POST', '/pipelines', {
      name: 'slow-every-2s',
      steps: [{ source_id: src }],
      schedule: '*/2 * * * * *',
    });
    const id = created.body.id as string;
    const pipe = await eventually(
      async () => {
        const p = (await call(child.baseUrl, 'GET', `/pipelines/${id}`)).body;
        return p.schedule_state.fires_skipped >= 2 && p.schedule_state.last_fire?.outcome === 'skipped_active_run'
          ? p
          : null;
      },
      60_000,
      250,
    );
    await call(t.baseUrl, 'PATCH', `/pipelines/${id}`, { enabled: false });
    expect(pipe.schedule_state.last_fire.detail).toMatch(/^prun_/);
    expect(pipe.schedule_state.last_fire.run_id).toBeNull();
    const skipped = (await audits('pipelines.schedule_skipped', id)).filter(
      (a) => a.details.reason === 'skipped_active_run',
    );
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(skipped[0].details.active_run_id).toMatch(/^prun_/);
    expect(events.some((e) => e.type === 'pipeline_run.skipped' && e.data.pipeline_id === id)).toBe(true);
    // never two active runs: the skipped ticks did not start anything
    const runs = await runsOf(id);
    expect(runs.filter((r) => ['validating', 'running', 'finalizing'].includes(r.status)).length).toBeLessThanOrEqual(
      1,
    );
    await eventually(
      async () => (await runsOf(id)).every((r) => !['validating', 'running', 'finalizing'].includes(r.status)),
      30_000,
    );
  }, 120_000);

  it('attacker: another org cannot read or change a scheduled pipeline (404); a malformed cron is 400', async () => {
    const other = await registerOwner(t, 'pipschedb');
    files.set('/x.csv', { body: 'id,name\n1,Ada\n' });
    const src = await createSource('sched-x', '/x.csv');
    const created = await call(t.baseUrl, 'POST', '/pipelines', {
      name: 'nightly',
      steps: [{ source_id: src }],
      schedule: '0 3 * * *',
    });
    expect((await api(t.baseUrl, 'GET', `/pipelines/${created.body.id}`, other.auth)).status).toBe(404);
    expect(
      (await api(t.baseUrl, 'PATCH', `/pipelines/${created.body.id}`, other.auth, { enabled: false })).status,
    ).toBe(404);
    expect(await t.app.get(PipelineScheduleQueue).scheduleNext(created.body.id)).toEqual(expect.any(Number));
    const bad = await call(t.baseUrl, 'POST', '/pipelines', {
      name: 'bad',
      steps: [{ source_id: src }],
      schedule: '*/2 * * * * * *',
    });
    expect(bad.status).toBe(400);
  });
});
