import type { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import type { AppConfig } from '@libs/config';
import { AppException, ValidationException } from '@libs/errors';
import type { OrgEvents } from '@libs/events';
import type { PipelineScheduleQueue } from '@libs/queue/pipeline-schedule-queue';
import type { SourcesContract } from '../sources/sources.contract';
import type { SourcesService } from '../sources/sources.service';
import type { SyncService } from '../sources/sync.service';
import type { PipelineGraphRepository } from './pipeline-graph.repository';
import type { PipelineRunner } from './pipeline-runner.service';
import type { PipelineEntity, PipelineRunEntity } from './pipeline.entity';
import type { PipelinesRepository } from './pipelines.repository';
import { PipelinesService } from './pipelines.service';

const SRC = '11111111-1111-4111-8111-111111111111';
const p = { orgId: 'org-1', userId: 'u-1', email: 'a@x', kind: 'user', role: 'admin' } as Principal;

function setup(runs: PipelineRunEntity[] = []) {
  const pipelines = new Map<string, PipelineEntity>();
  const repo = {
    insertPipeline: jest.fn(async (row: PipelineEntity) => {
      if ([...pipelines.values()].some((x) => x.name.toLowerCase() === row.name.toLowerCase())) {
        return false;
      }
      pipelines.set(row.id, { ...row, createdAt: new Date(), updatedAt: new Date() });
      return true;
    }),
    findPipeline: jest.fn(async (_o: string, id: string) => pipelines.get(id) ?? null),
    updatePipeline: jest.fn(async (_o: string, id: string, patch: Partial<PipelineEntity>) => {
      const e = pipelines.get(id)!;
      Object.assign(e, patch, { version: e.version + 1 });
      return true;
    }),
    insertRun: jest.fn(async (row: PipelineRunEntity) => {
      if (runs.some((r) => r.pipelineId === row.pipelineId && ['validating', 'running'].includes(r.status))) {
        return 'active_run';
      }
      if (row.scheduledFor && runs.some((r) => r.scheduledFor?.getTime() === row.scheduledFor!.getTime())) {
        return 'duplicate_tick';
      }
      runs.push(row);
      return 'inserted';
    }),
    recordFire: jest.fn(async (_o: string, id: string, fire: PipelineEntity['lastFire'], skipped: boolean) => {
      const e = pipelines.get(id)!;
      e.lastFire = fire;
      e.firesSkipped += skipped ? 1 : 0;
    }),
    findRun: jest.fn(async (_o: string, _p: string, id: string) => runs.find((r) => r.id === id) ?? null),
    activeRun: jest.fn(async () => runs.find((r) => ['validating', 'running'].includes(r.status)) ?? null),
    runsFinishedAfter: jest.fn(async () => []),
  };
  const sources = {
    describeSources: jest.fn(
      async (_o: string, ids: string[]) => new Map(ids.filter((i) => i === SRC).map((i) => [i, {}])),
    ),
  };
  const runner = { start: jest.fn(), reserve: () => () => undefined, instanceId: 't|host:1:abcd' };
  const graph = { revertSource: jest.fn(async () => ({ restored: 2, archived: 1 })) };
  const sourceStore = { requireSource: jest.fn(async (_o: string, id: string) => ({ id })) };
  const sync = {
    checkConfigOverrides: jest.fn((_s: unknown, o: Record<string, unknown>) => {
      if ('headers' in o) {
        throw new ValidationException('bad', { fields: [{ field: 'config.headers', errors: ['secret'] }] });
      }
    }),
  };
  const schedules = {
    upsertSchedule: jest.fn(async () => undefined),
    removeSchedule: jest.fn(async () => undefined),
    scheduleNext: jest.fn(async () => Date.now() + 1000),
  };
  const audit = { record: jest.fn(async () => undefined) };
  const events = { publish: jest.fn(async () => undefined) };
  const config = { tasks: { cronSeconds: false } } as AppConfig;
  const svc = new PipelinesService(
    repo as unknown as PipelinesRepository,
    sources as unknown as SourcesContract,
    runner as unknown as PipelineRunner,
    graph as unknown as PipelineGraphRepository,
    sourceStore as unknown as SourcesService,
    sync as unknown as SyncService,
    schedules as unknown as PipelineScheduleQueue,
    config,
    audit as unknown as AuditService,
    events as unknown as OrgEvents,
  );
  return { svc, runner, graph, runs, schedules, audit, events, pipelines };
}

const code = async (f: Promise<unknown>) => {
  try {
    await f;
  } catch (e) {
    return (e as AppException).code;
  }
  return 'ok';
};

describe('PipelinesService', () => {
  it('refuses unknown sources, bad schedules and duplicate names', async () => {
    const { svc } = setup();
    expect(await code(svc.create(p, { name: 'a', steps: [{ source_id: 'nope' }] }))).toBe('validation_failed');
    expect(await code(svc.create(p, { name: 'a', steps: [{ source_id: SRC }], schedule: '* *' }))).toBe(
      'validation_failed',
    );
    expect(await code(svc.create(p, { name: 'a', steps: [{ source_id: SRC }], schedule: '0 3 * * *' }))).toBe('ok');
    expect(await code(svc.create(p, { name: 'A', steps: [{ source_id: SRC }] }))).toBe('already_exists');
  });

  it('starts one run at a time and hands it to the runner', async () => {
    const { svc, runner } = setup();
    const created = await svc.create(p, { name: 'a', steps: [{ source_id: SRC }] });
    const run = await svc.startRun(p, created.id);
    expect(run).toMatchObject({ status: 'validating', pipeline_version: 1 });
    expect(runner.start).toHaveBeenCalledTimes(1);
    expect(await code(svc.startRun(p, created.id))).toBe('run_in_progress');
  });

  it('reverts only to succeeded runs inside the retention window', async () => {
    const { svc, graph, runs } = setup();
    const created = await svc.create(p, { name: 'a', realm: 'hr', steps: [{ source_id: SRC }], retention_days: 7 });
    const base = { pipelineId: created.id, orgId: 'org-1', steps: [{ source_id: SRC }] } as PipelineRunEntity;
    runs.push({ ...base, id: 'old', status: 'succeeded', finishedAt: new Date(Date.now() - 8 * 86_400_000) });
    runs.push({ ...base, id: 'bad', status: 'failed', finishedAt: new Date() });
    runs.push({ ...base, id: 'good', status: 'succeeded', finishedAt: new Date() });
    expect(await code(svc.revert(p, created.id, 'old'))).toBe('revert_window_expired');
    expect(await code(svc.revert(p, created.id, 'bad'))).toBe('run_not_revertible');
    expect(await svc.revert(p, created.id, 'good')).toMatchObject({ restored: 2, archived: 1 });
    // limited to the pipeline's realm: the source's own syncs into another realm are not touched
    expect(graph.revertSource).toHaveBeenCalledWith('org-1', SRC, 'hr', expect.any(Number));
  });

  it('keeps the scheduler in sync: cron + enabled upserts, manual/disabled/delete remove', async () => {
    const { svc, schedules } = setup();
    const created = await svc.create(p, { name: 'a', steps: [{ source_id: SRC }], schedule: '0 3 * * *' });
    expect(schedules.upsertSchedule).toHaveBeenLastCalledWith(created.id, 'org-1', '0 3 * * *');
    expect(created.schedule_state.next_fire_at).toEqual(expect.any(String));
    await svc.update(p, created.id, { schedule: '0 4 * * *' });
    expect(schedules.upsertSchedule).toHaveBeenLastCalledWith(created.id, 'org-1', '0 4 * * *');
    await svc.update(p, created.id, { enabled: false });
    expect(schedules.removeSchedule).toHaveBeenCalledTimes(1);
    await svc.update(p, created.id, { enabled: true, schedule: 'manual' });
    expect(schedules.removeSchedule).toHaveBeenCalledTimes(2);
    expect(await code(svc.create(p, { name: 'b', steps: [{ source_id: SRC }], schedule: '*/5 * * * * *' }))).toBe(
      'validation_failed',
    );
  });

  it('a scheduled fire while a run is active is skipped and recorded (no error); one run per tick', async () => {
    const { svc, runner, audit, events, pipelines } = setup();
    const created = await svc.create(p, { name: 'a', steps: [{ source_id: SRC }], schedule: '0 3 * * *' });
    const pipe = pipelines.get(created.id)!;
    const due = Date.now();
    expect(await svc.fireScheduled(pipe, due)).toBe('started');
    expect(runner.start).toHaveBeenCalledWith(expect.objectContaining({ trigger: 'schedule' }), null);
    expect(pipe.lastFire).toMatchObject({ outcome: 'started' });
    expect(await svc.fireScheduled(pipe, due + 1000)).toBe('skipped_active_run');
    expect(pipe.lastFire).toMatchObject({ outcome: 'skipped_active_run', run_id: null });
    expect(pipe.firesSkipped).toBe(1);
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ action: 'pipelines.schedule_skipped' }));
    expect(events.publish).toHaveBeenCalledWith('org-1', 'pipeline_run.skipped', expect.anything());
    expect(runner.start).toHaveBeenCalledTimes(1);
  });

  it('refuses config_overrides the connector check rejects, with the step index in the field', async () => {
    const { svc } = setup();
    const bad = await svc
      .create(p, { name: 'a', steps: [{ source_id: SRC, config_overrides: { headers: { a: 'b' } } }] })
      .catch((e: AppException) => e);
    expect(bad).toBeInstanceOf(AppException);
    expect((bad as AppException).details).toMatchObject({
      fields: [{ field: 'steps.0.config_overrides.headers' }],
    });
    expect(
      await code(svc.create(p, { name: 'a', steps: [{ source_id: SRC, config_overrides: { url: 'http://x/' } }] })),
    ).toBe('ok');
  });
});
