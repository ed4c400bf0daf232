import type { Principal } from '@libs/auth/principal';
import { AppException } from '@libs/errors';
import type { TasksContract } from 'src/modules/tasks/tasks.contract';
import type { RecommendationEngine } from './recommendation-engine';
import type { TaskRecommendationEntity } from './task-recommendation.entity';
import type { TaskRecommendationsRepository } from './task-recommendations.repository';
import { TaskRecommendationsService } from './task-recommendations.service';

const p = { orgId: 'org-a', userId: 'u1', role: 'admin' } as Principal;

function setup(status: TaskRecommendationEntity['status'] = 'open') {
  const row: TaskRecommendationEntity = {
    id: 'rec_1',
    orgId: 'org-a',
    fingerprint: 'source_unscheduled:s1',
    title: 't',
    rationale: 'r',
    suggestedTask: { name: 'Daily', trigger: { kind: 'schedule', cron: '0 6 * * *' } },
    score: 0.5,
    source: 'connector_state',
    status,
    taskId: null,
    decidedBy: null,
    decidedAt: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  const repo = {
    find: jest.fn(async (orgId: string, id: string) => (orgId === row.orgId && id === row.id ? { ...row } : null)),
    decide: jest.fn(async (_o: string, _i: string, s: 'accepted' | 'dismissed') => {
      if (row.status !== 'open') {
        return false;
      }
      row.status = s;
      return true;
    }),
    reopen: jest.fn(async () => {
      row.status = 'open';
    }),
    setTask: jest.fn(async (_o: string, _i: string, taskId: string) => {
      row.taskId = taskId;
    }),
  };
  const tasks = {
    create: jest.fn(async (_p: Principal, body: Record<string, unknown>) => ({ id: 'task_1', ...body })),
  };
  const service = new TaskRecommendationsService(
    repo as unknown as TaskRecommendationsRepository,
    { ensureFresh: jest.fn() } as unknown as RecommendationEngine,
    tasks as unknown as TasksContract,
  );
  return { service, repo, tasks, row };
}

const statusOf = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
  } catch (err) {
    return (err as AppException).status;
  }
  return 'no error';
};

describe('TaskRecommendationsService', () => {
  it('accept creates the suggested task with the overrides on top and records the task', async () => {
    const { service, tasks, row } = setup();
    const task = await service.accept(p, 'rec_1', { overrides: { name: 'Mine' } });
    expect(tasks.create).toHaveBeenCalledWith(p, { name: 'Mine', trigger: { kind: 'schedule', cron: '0 6 * * *' } });
    expect(task.id).toBe('task_1');
    expect(row).toMatchObject({ status: 'accepted', taskId: 'task_1' });
  });

  it('a task that cannot be created leaves the recommendation open and the error goes to the caller', async () => {
    const { service, tasks, row } = setup();
    tasks.create.mockRejectedValueOnce(new AppException(409, 'task_name_taken', 'taken'));
    expect(await statusOf(() => service.accept(p, 'rec_1', {}))).toBe(409);
    expect(row.status).toBe('open');
  });

  it('accepting one that is no longer open is a 409 and creates nothing', async () => {
    for (const status of ['accepted', 'dismissed'] as const) {
      const { service, tasks } = setup(status);
      expect(await statusOf(() => service.accept(p, 'rec_1', {}))).toBe(409);
      expect(tasks.create).not.toHaveBeenCalled();
    }
  });

  it('dismiss: open → dismissed, again is a no-op, an accepted one is a 409', async () => {
    const open = setup();
    await open.service.dismiss(p, 'rec_1');
    expect(open.row.status).toBe('dismissed');
    await open.service.dismiss(p, 'rec_1');
    expect(await statusOf(() => setup('accepted').service.dismiss(p, 'rec_1'))).toBe(409);
  });

  it("another org's id is a 404", async () => {
    const { service } = setup();
    const q = { ...p, orgId: 'org-b' };
    for (const fn of [
      () => service.get(q, 'rec_1'),
      () => service.accept(q, 'rec_1', {}),
      () => service.dismiss(q, 'rec_1'),
    ]) {
      expect(await statusOf(fn)).toBe(404);
    }
  });
});
