import type { OrgEvent, OrgEvents } from '@libs/events';
import { LifecycleTriggers } from './lifecycle-triggers';
import type { TaskRunsService } from './task-runs.service';
import type { TaskEntity } from './task.entity';
import type { TriggerContext } from './tasks.contract';
import type { TasksRepository } from './tasks.repository';

function setup(tasks: Partial<TaskEntity>[], fail: string[] = []) {
  const asked: [string, string][] = [];
  const fired: [string, TriggerContext][] = [];
  const repo = {
    lifecycleTasks: (orgId: string, event: string) => {
      asked.push([orgId, event]);
      return Promise.resolve(tasks.filter((t) => t.triggerEvent === event) as TaskEntity[]);
    },
  } as unknown as TasksRepository;
  const runs = {
    fireUnlessActive: (task: TaskEntity, trigger: TriggerContext) => {
      if (fail.includes(task.id)) {
        return Promise.reject(new Error('boom'));
      }
      fired.push([task.id, trigger]);
      return Promise.resolve({ id: `run_${task.id}` });
    },
  } as unknown as TaskRunsService;
  const svc = new LifecycleTriggers({ onPublish: () => undefined } as unknown as OrgEvents, repo, runs);
  return { svc, asked, fired };
}

const event = (type: string, data: Record<string, unknown>) =>
  ({ type, data, ts: '2026-12-07T00:00:00.000Z' }) as unknown as OrgEvent;

describe('LifecycleTriggers', () => {
  it('fires every matching task of the org with the event and its data', async () => {
    const { svc, asked, fired } = setup([
      { id: 'task_any', triggerEvent: 'source.sync.failed', triggerFilter: null },
      { id: 'task_src1', triggerEvent: 'source.sync.failed', triggerFilter: { source_id: 'src_1' } },
      { id: 'task_src2', triggerEvent: 'source.sync.failed', triggerFilter: { source_id: 'src_2' } },
    ]);
    await svc.handle('org1', event('job.failed', { source_id: 'src_1', job_id: 'j1' }));
    expect(asked).toEqual([['org1', 'source.sync.failed']]);
    expect(fired.map(([id]) => id)).toEqual(['task_any', 'task_src1']);
    expect(fired[0][1]).toEqual({
      kind: 'lifecycle',
      event: 'source.sync.failed',
      data: { source_id: 'src_1', job_id: 'j1' },
      fired_at: '2026-12-07T00:00:00.000Z',
    });
  });

  it('ignores events no lifecycle trigger reads, without a lookup', async () => {
    const { svc, asked } = setup([]);
    await svc.handle('org1', event('job.progress', { source_id: 'src_1' }));
    expect(asked).toEqual([]);
  });

  it('skips a failed run of the task itself, and one a lifecycle trigger started', async () => {
    const { svc, fired } = setup([
      { id: 'task_a', triggerEvent: 'task.run.failed', triggerFilter: null },
      { id: 'task_b', triggerEvent: 'task.run.failed', triggerFilter: null },
    ]);
    await svc.handle('org1', event('task_run.failed', { run_id: 'r1', task_id: 'task_a', trigger_kind: 'schedule' }));
    expect(fired.map(([id]) => id)).toEqual(['task_b']);
    await svc.handle('org1', event('task_run.failed', { run_id: 'r2', task_id: 'task_x', trigger_kind: 'lifecycle' }));
    expect(fired.map(([id]) => id)).toEqual(['task_b']);
  });

  it('one task that cannot fire does not stop the others', async () => {
    const { svc, fired } = setup(
      [
        { id: 'task_bad', triggerEvent: 'memory.created', triggerFilter: null },
        { id: 'task_ok', triggerEvent: 'memory.created', triggerFilter: null },
      ],
      ['task_bad'],
    );
    await svc.handle('org1', event('memory.created', { memory_id: 'mem_1', kind: 'fact', realm: null }));
    expect(fired.map(([id]) => id)).toEqual(['task_ok']);
  });
});
