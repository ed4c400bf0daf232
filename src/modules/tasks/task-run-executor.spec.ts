import type { AppConfig } from '@libs/config';
import type { OrgEvents } from '@libs/events';
import type { TaskRunQueue } from '@libs/queue';
import type { RedisService } from '@libs/redis/redis.service';
import type { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import type { AutomatedTurnInput, AutomatedTurnOutcome, ChatTurnsContract } from 'src/modules/chat/chat-turns.contract';
import { TaskRunExecutor } from './task-run-executor';
import { TaskRunState } from './task-run-state';
import type { TaskRunsService } from './task-runs.service';
import type { TaskEntity, TaskRunEntity, TaskRunStatus } from './task.entity';
import type { TasksRepository } from './tasks.repository';

function fakeRepo(runs: Map<string, TaskRunEntity>, tasks: TaskEntity[] = []) {
  return {
    findRunById: async (id: string) => (runs.has(id) ? { ...runs.get(id)! } : null),
    transitionRun: async (id: string, from: TaskRunStatus[], patch: Partial<TaskRunEntity>) => {
      const r = runs.get(id);
      if (!r || !from.includes(r.status)) {
        return false;
      }
      Object.assign(r, patch);
      return true;
    },
    updateRun: async (id: string, patch: Partial<TaskRunEntity>) => void Object.assign(runs.get(id)!, patch),
    findTask: async (orgId: string, id: string) => tasks.find((t) => t.orgId === orgId && t.id === id) ?? null,
  } as unknown as TasksRepository;
}

function run(over: Partial<TaskRunEntity> = {}): TaskRunEntity {
  return {
    id: 'run_1',
    orgId: 'org',
    taskId: 'task_1',
    taskName: 'nightly',
    status: 'pending',
    waitingApproval: false,
    trigger: { kind: 'manual' },
    input: { instruction: 'go' },
    agent: 'default',
    realm: null,
    approvalDefaults: null,
    timeoutSecs: 900,
    maxIterations: 20,
    createdBy: 'user',
    conversationId: null,
    turnId: null,
    cancelRequested: false,
    usage: null,
    error: null,
    output: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

/** A chat whose turn ends when the test says so (or `cancelled` when cancelled). */
function fakeChat() {
  let finish!: (o: AutomatedTurnOutcome) => void;
  const chat = {
    started: [] as AutomatedTurnInput[],
    cancelled: [] as string[],
    start: async (input: AutomatedTurnInput) => {
      chat.started.push(input);
      return {
        conversationId: 'conv',
        turnId: 'turn',
        done: new Promise<AutomatedTurnOutcome>((r) => (finish = r)),
      };
    },
    cancel: async (turnId: string) => {
      chat.cancelled.push(turnId);
      finish?.({ status: 'cancelled', finishReason: 'cancelled', content: '', usage: {}, error: null });
    },
    transcript: async () => null,
    end: (o: Partial<AutomatedTurnOutcome>) =>
      finish({ status: 'completed', finishReason: 'end_turn', content: 'ok', usage: {}, error: null, ...o }),
  };
  return chat;
}

function setup(runs: Map<string, TaskRunEntity>, opts: { tasks?: TaskEntity[]; fire?: jest.Mock } = {}) {
  const repo = fakeRepo(runs, opts.tasks);
  const published: { type: string; data: Record<string, unknown> }[] = [];
  const events = {
    publish: async (_o: string, type: string, data: Record<string, unknown>) => void published.push({ type, data }),
  } as unknown as OrgEvents;
  const state = new TaskRunState(repo, events);
  const chat = fakeChat();
  const queue = { removeSchedule: jest.fn(async () => undefined) } as unknown as TaskRunQueue;
  const config = { tasks: { runInApi: false, concurrency: 1, scheduleGraceSecs: 60, cronSeconds: false } } as AppConfig;
  const runsService = { fireUnlessActive: opts.fire ?? jest.fn() } as unknown as TaskRunsService;
  const executor = new TaskRunExecutor(
    repo,
    runsService,
    state,
    chat as unknown as ChatTurnsContract,
    queue,
    {} as RedisService,
    config,
    { linkToTaskRun: async () => [] } as unknown as ArtifactsContract,
  );
  return { executor, chat, published, queue };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('TaskRunExecutor', () => {
  it('pending → running → awaiting_approval → running → succeeded, following the turn', async () => {
    const runs = new Map([['run_1', run()]]);
    const { executor, chat, published } = setup(runs);
    const p = executor.run({ runId: 'run_1', orgId: 'org' });
    await tick();
    await tick();
    expect(runs.get('run_1')).toMatchObject({ status: 'running', conversationId: 'conv', turnId: 'turn' });
    expect(chat.started[0]).toMatchObject({ orgId: 'org', content: 'go', actorUserId: 'user', maxIterations: 20 });
    chat.started[0].observe!('approval_required', {});
    await tick();
    await tick();
    expect(runs.get('run_1')).toMatchObject({ status: 'awaiting_approval', waitingApproval: true });
    chat.started[0].observe!('approval_resolved', {});
    chat.end({ content: 'all done' });
    await p;
    expect(runs.get('run_1')).toMatchObject({ status: 'succeeded', waitingApproval: false, output: 'all done' });
    expect(published.map((e) => `${e.type}:${String(e.data.status)}`)).toEqual([
      'task_run.updated:running',
      'task_run.updated:awaiting_approval',
      'task_run.updated:running',
      'task_run.updated:succeeded',
      'task_run.finished:succeeded',
    ]);
    expect(published[4].data).toMatchObject({ created_by: 'user', task_name: 'nightly', task_id: 'task_1' });
  });

  it('a re-delivered run that was already running ends failed/interrupted and its turn is cancelled; it is not re-run', async () => {
    const runs = new Map([['run_1', run({ status: 'running', turnId: 'turn-old' })]]);
    const { executor, chat, published } = setup(runs);
    expect(await executor.run({ runId: 'run_1', orgId: 'org' })).toBe('interrupted');
    expect(chat.started).toHaveLength(0);
    expect(chat.cancelled).toEqual(['turn-old']);
    expect(runs.get('run_1')).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(published.map((e) => e.type)).toEqual(['task_run.updated', 'task_run.failed']);
  });

  it('a finished run, a run of another org and a pending run with a cancel request are never started', async () => {
    const runs = new Map([
      ['run_1', run({ status: 'succeeded' })],
      ['run_2', run({ id: 'run_2', cancelRequested: true })],
    ]);
    const { executor, chat } = setup(runs);
    expect(await executor.run({ runId: 'run_1', orgId: 'org' })).toBe('succeeded');
    expect(await executor.run({ runId: 'run_1', orgId: 'other' })).toBe('run_not_found');
    expect(await executor.run({ runId: 'run_2', orgId: 'org' })).toBe('cancelled');
    expect(runs.get('run_2')!.status).toBe('cancelled');
    expect(chat.started).toHaveLength(0);
  });

  it('timeout_secs cancels the turn and the run fails with error.code timeout', async () => {
    const runs = new Map([['run_1', run({ timeoutSecs: 0.02 })]]);
    const { executor, chat } = setup(runs);
    await executor.run({ runId: 'run_1', orgId: 'org' });
    expect(chat.cancelled).toEqual(['turn']);
    expect(runs.get('run_1')).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
  });

  it('a user cancel ends the run cancelled; a turn that fails to start fails the run with its code', async () => {
    const runs = new Map([['run_1', run()]]);
    const { executor, chat } = setup(runs);
    const p = executor.run({ runId: 'run_1', orgId: 'org' });
    await tick();
    await tick();
    await chat.cancel('turn');
    await p;
    expect(runs.get('run_1')!.status).toBe('cancelled');

    const runs2 = new Map([['run_1', run()]]);
    const s2 = setup(runs2);
    s2.chat.start = async () => {
      throw Object.assign(new Error('This organization is disabled'), { code: 'org_disabled' });
    };
    await s2.executor.run({ runId: 'run_1', orgId: 'org' });
    expect(runs2.get('run_1')).toMatchObject({ status: 'failed', error: { code: 'org_disabled' } });
  });

  it('ticks: a late tick is dropped (no back-fill); a tick of a deleted task removes its scheduler', async () => {
    const fire = jest.fn(async () => null);
    const task = {
      id: 'task_1',
      orgId: 'org',
      triggerKind: 'schedule',
      enabled: true,
      cron: '* * * * *',
    } as TaskEntity;
    const { executor, queue } = setup(new Map(), { tasks: [task], fire });
    expect(await executor.tick({ taskId: 'task_1', orgId: 'org', cron: '* * * * *' }, Date.now() - 61_000)).toBe(
      'late',
    );
    expect(fire).not.toHaveBeenCalled();
    const due = Date.now() - 1000;
    expect(await executor.tick({ taskId: 'task_1', orgId: 'org', cron: '* * * * *' }, due)).toBe('skipped');
    expect(fire).toHaveBeenCalledWith(task, {
      kind: 'schedule',
      fired_at: new Date(due).toISOString(),
      cron: '* * * * *',
    });
    expect(await executor.tick({ taskId: 'task_gone', orgId: 'org', cron: '* * * * *' }, Date.now())).toBe('no_task');
    expect(queue.removeSchedule).toHaveBeenCalledWith('task_gone');
  });
});
