import type { Principal } from '@libs/auth/principal';
import { AppException } from '@libs/errors';
import type { SourcesContract } from '../sources/sources.contract';
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
    insertRun: jest.fn(async (row: PipelineRunEntity) => {
      if (runs.some((r) => r.pipelineId === row.pipelineId && ['validating', 'running'].includes(r.status))) {
        return false;
      }
      runs.push(row);
      return true;
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
  const runner = { start: jest.fn() };
  const graph = { revertSource: jest.fn(async () => ({ restored: 2, archived: 1 })) };
  const svc = new PipelinesService(
    repo as unknown as PipelinesRepository,
    sources as unknown as SourcesContract,
    runner as unknown as PipelineRunner,
    graph as unknown as PipelineGraphRepository,
  );
  return { svc, runner, graph, runs };
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
    const created = await svc.create(p, { name: 'a', steps: [{ source_id: SRC }], retention_days: 7 });
    const base = { pipelineId: created.id, orgId: 'org-1', steps: [{ source_id: SRC }] } as PipelineRunEntity;
    runs.push({ ...base, id: 'old', status: 'succeeded', finishedAt: new Date(Date.now() - 8 * 86_400_000) });
    runs.push({ ...base, id: 'bad', status: 'failed', finishedAt: new Date() });
    runs.push({ ...base, id: 'good', status: 'succeeded', finishedAt: new Date() });
    expect(await code(svc.revert(p, created.id, 'old'))).toBe('revert_window_expired');
    expect(await code(svc.revert(p, created.id, 'bad'))).toBe('run_not_revertible');
    expect(await svc.revert(p, created.id, 'good')).toMatchObject({ restored: 2, archived: 1 });
    expect(graph.revertSource).toHaveBeenCalledWith('org-1', SRC, expect.any(Number));
  });
});
