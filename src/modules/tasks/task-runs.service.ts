import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { TransactionHost, Transactional } from '@libs/database/transaction';
import { ConflictException, NotFoundException, ServiceUnavailableException } from '@libs/errors';
import type { Page, PageQuery } from '@libs/pagination';
import { TaskRunQueue } from '@libs/queue';
import { HookInbox } from '@libs/queue/hook-inbox';
import { Injectable, Logger } from '@nestjs/common';
import { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import { ChatTurnsContract } from 'src/modules/chat/chat-turns.contract';
import type { RunTaskDto, TaskRunAcceptedDto, TaskRunDetailDto, TaskRunDto } from './dto/task.dto';
import { TaskRunState } from './task-run-state';
import { renderTemplate } from './task-template';
import { FINAL_RUN_STATUSES, type TaskEntity, type TaskRunEntity } from './task.entity';
import type { AdHocRunTarget, TriggerContext } from './tasks.contract';
import { toRunDto } from './tasks.mappers';
import { TasksRepository } from './tasks.repository';

/** How a new run treats a run of the same task that is still pending/running. */
type ActiveRunRule = 'conflict' | 'skip' | 'ignore';

/**
 * Creating runs (manual, webhook, schedule, ad hoc), their history and cancellation. A run is a
 * `pending` row plus a `task-runs` job (job id = run id); TaskRunExecutor runs it.
 */
@Injectable()
export class TaskRunsService {
  private readonly logger = new Logger(TaskRunsService.name);

  constructor(
    private readonly repo: TasksRepository,
    private readonly queue: TaskRunQueue,
    private readonly state: TaskRunState,
    private readonly chat: ChatTurnsContract,
    private readonly audit: AuditService,
    private readonly artifacts: ArtifactsContract,
    private readonly inbox: HookInbox,
    readonly txHost: TransactionHost,
  ) {}

  private async taskOf(orgId: string, taskId: string): Promise<TaskEntity> {
    const task = await this.repo.findTask(orgId, taskId);
    if (!task) {
      throw new NotFoundException('Task');
    }
    return task;
  }

  /** `POST /tasks/:id/run`: 409 `task_disabled` when paused, 409 `run_in_progress` unless `force`. */
  async runManually(p: Principal, taskId: string, dto: RunTaskDto): Promise<TaskRunAcceptedDto> {
    const task = await this.taskOf(p.orgId, taskId);
    const trigger: TriggerContext = { kind: 'manual', input: dto.input ?? {}, user_id: p.userId };
    const run = await this.fireTask(task, trigger, dto.force ? 'ignore' : 'conflict');
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'tasks.run',
      result: 'success',
      actor: p,
      target: { type: 'task', id: task.id, run_id: run!.id },
      details: { force: dto.force === true },
    });
    return { run_id: run!.id, status: run!.status };
  }

  /** TasksContract.fire (webhook deliveries, `POST /triggers/:id/fire`): never refused for a running run. */
  async fire(orgId: string, taskId: string, trigger: TriggerContext, runId?: string): Promise<{ runId: string }> {
    if (runId && (await this.repo.findRun(orgId, runId))) {
      return { runId };
    }
    const task = await this.taskOf(orgId, taskId);
    const run = await this.fireTask(task, trigger, 'ignore', runId);
    return { runId: run!.id };
  }

  /** A schedule tick or a lifecycle event: skipped (null) while a run of the task is pending/running or when paused. */
  async fireUnlessActive(task: TaskEntity, trigger: TriggerContext): Promise<TaskRunEntity | null> {
    if (!task.enabled) {
      return null;
    }
    const run = await this.fireTask(task, trigger, 'skip');
    if (!run) {
      this.logger.debug(`${trigger.kind} fire of task ${task.id} skipped: a run is pending or running`);
    }
    return run;
  }

  async fireAdHoc(
    orgId: string,
    target: AdHocRunTarget,
    trigger: TriggerContext,
    runId?: string,
  ): Promise<{ runId: string }> {
    if (runId && (await this.repo.findRun(orgId, runId))) {
      return { runId };
    }
    const run = await this.repo.insertRun({
      id: runId ?? prefixedId('run'),
      orgId,
      taskId: null,
      taskName: null,
      status: 'pending',
      trigger,
      input: renderTemplate(target.inputTemplate ?? {}, trigger),
      agent: target.agent,
      realm: target.realm ?? null,
      createdBy: null,
    });
    await this.enqueue(run);
    return { runId: run.id };
  }

  private async fireTask(
    task: TaskEntity,
    trigger: TriggerContext,
    rule: ActiveRunRule,
    runId?: string,
  ): Promise<TaskRunEntity | null> {
    if (!task.enabled) {
      throw new ConflictException('The task is paused', { task_id: task.id }, 'task_disabled');
    }
    // a run that is never refused for an active one needs no per-task lock: webhook bursts stay parallel
    const run =
      rule === 'ignore'
        ? await this.repo.insertRun(this.newRun(task, trigger, runId))
        : await this.insertRun(task, trigger, rule);
    if (run) {
      await this.enqueue(run);
    }
    return run;
  }

  @Transactional()
  private async insertRun(
    task: TaskEntity,
    trigger: TriggerContext,
    rule: ActiveRunRule,
  ): Promise<TaskRunEntity | null> {
    await this.repo.lockTask(task.id);
    if (rule !== 'ignore' && (await this.repo.hasActiveRun(task.id))) {
      if (rule === 'skip') {
        return null;
      }
      throw new ConflictException(
        'A run of this task is pending or running (send force: true to start another)',
        { task_id: task.id },
        'run_in_progress',
      );
    }
    return this.repo.insertRun(this.newRun(task, trigger));
  }

  private newRun(task: TaskEntity, trigger: TriggerContext, runId = prefixedId('run')): Partial<TaskRunEntity> {
    return {
      id: runId,
      orgId: task.orgId,
      taskId: task.id,
      taskName: task.name,
      status: 'pending',
      trigger,
      input: renderTemplate(task.inputTemplate ?? {}, trigger),
      agent: task.agent,
      realm: task.realm,
      approvalDefaults: task.approvalDefaults,
      timeoutSecs: task.timeoutSecs,
      maxIterations: task.maxIterations,
      createdBy: task.createdBy,
    };
  }

  private async enqueue(run: TaskRunEntity): Promise<void> {
    try {
      await this.queue.enqueue({ runId: run.id, orgId: run.orgId });
    } catch (err) {
      this.logger.error(`queueing run ${run.id} failed: ${(err as Error).message}`);
      await this.state.finish(run, 'failed', { code: 'queue_unavailable', message: 'The run could not be queued' });
      throw new ServiceUnavailableException('The task queue is unavailable');
    }
    await this.state.publishUpdated(run);
  }

  async list(p: Principal, taskId: string, query: PageQuery): Promise<Page<TaskRunDto>> {
    await this.inbox.caughtUp(p.orgId); // runs of `/hooks` calls answered 202 before this read
    await this.taskOf(p.orgId, taskId);
    const page = await this.repo.listRuns(p.orgId, taskId, query, (r) => r);
    const ids = await this.artifactsOf(p.orgId, page.items);
    return { ...page, items: page.items.map((r) => toRunDto(r, ids.get(r.id))) };
  }

  /** Per run, the artifacts made in its conversation or labelled with it. */
  private artifactsOf(orgId: string, runs: TaskRunEntity[]): Promise<Map<string, string[]>> {
    return this.artifacts.idsForRuns(
      orgId,
      runs.map((r) => ({ taskRunId: r.id, conversationId: r.conversationId })),
    );
  }

  private async runDto(run: TaskRunEntity): Promise<TaskRunDto> {
    return toRunDto(run, (await this.artifactsOf(run.orgId, [run])).get(run.id));
  }

  /** One run with its transcript; readable after the task was deleted (history outlives it). */
  async get(p: Principal, taskId: string, runId: string): Promise<TaskRunDetailDto> {
    await this.inbox.caughtUp(p.orgId); // runs of `/hooks` calls answered 202 before this read
    const run = await this.runOf(p.orgId, taskId, runId);
    const transcript = run.conversationId ? await this.chat.transcript(p.orgId, run.conversationId) : null;
    return { ...(await this.runDto(run)), transcript };
  }

  private async runOf(orgId: string, taskId: string, runId: string): Promise<TaskRunEntity> {
    const run = await this.repo.findRun(orgId, runId);
    if (!run || run.taskId !== taskId) {
      throw new NotFoundException('Task run');
    }
    return run;
  }

  /** `POST …/runs/:run_id/cancel`: 409 `run_finished` when it already ended. */
  async cancel(p: Principal, taskId: string, runId: string): Promise<TaskRunDto> {
    await this.inbox.caughtUp(p.orgId); // runs of `/hooks` calls answered 202 before this read
    const run = await this.runOf(p.orgId, taskId, runId);
    if (FINAL_RUN_STATUSES.includes(run.status)) {
      throw new ConflictException(`The run already ended (${run.status})`, { status: run.status }, 'run_finished');
    }
    await this.cancelRun(run);
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'tasks.run.cancel',
      result: 'success',
      actor: p,
      target: { type: 'task_run', id: run.id, task_id: taskId },
    });
    return this.runDto((await this.repo.findRunById(run.id)) ?? run);
  }

  /**
   * Sets the run's cancel flag: a pending run ends `cancelled` at once (its job is removed); a
   * running one through its turn's cancel flag (the executor re-reads the flag once the turn exists).
   */
  async cancelRun(run: TaskRunEntity): Promise<void> {
    await this.repo.requestCancel(run.orgId, run.id);
    if (run.status === 'pending' && (await this.state.finish(run, 'cancelled', null, {}, ['pending']))) {
      await this.queue.removeIfWaiting(run.id).catch(() => false);
      return;
    }
    const fresh = await this.repo.findRunById(run.id);
    if (fresh?.turnId) {
      await this.chat.cancel(fresh.turnId);
    }
  }

  /** Cancels every pending/running run of a task (task deletion). */
  async cancelActive(orgId: string, taskId: string): Promise<number> {
    const active = await this.repo.activeRuns(orgId, taskId);
    for (const run of active) {
      await this.cancelRun(run);
    }
    return active.length;
  }

  async runStatus(orgId: string, runId: string): Promise<string | null> {
    const run = await this.repo.findRun(orgId, runId);
    return run ? run.status : null;
  }
}
