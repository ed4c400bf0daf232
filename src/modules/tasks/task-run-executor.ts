import { AppConfig } from '@libs/config';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import { TaskRunQueue, TaskRunWorker, type TaskRunJobPayload, type TaskTickPayload } from '@libs/queue';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import { ChatTurnsContract, type AutomatedTurnOutcome } from 'src/modules/chat/chat-turns.contract';
import { TaskRunState } from './task-run-state';
import { TaskRunsService } from './task-runs.service';
import { runMessage } from './task-template';
import { FINAL_RUN_STATUSES, type TaskRunEntity, type TaskRunError } from './task.entity';
import { TasksRepository } from './tasks.repository';

const INTERRUPTED: TaskRunError = {
  code: 'interrupted',
  message: 'The process running this run stopped before it finished; the run was not resumed',
};

/**
 * The consumer of the task queues (API processes unless TASK_RUN_IN_API=false, and always
 * src/worker.ts). A run job: pending → running, one agent turn on a new conversation (the chat
 * loop, its tool gate and approvals), then the final state. A tick job: one schedule fire, dropped
 * when it arrives later than TASK_SCHEDULE_GRACE_SECS after its due time (no back-fill).
 * A run job that arrives for a run already `running` was re-delivered because the process running
 * it died: that run ends `failed` with error `interrupted` (an agent turn cannot be resumed halfway
 * and re-running it could repeat tool calls).
 */
@Injectable()
export class TaskRunExecutor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TaskRunExecutor.name);
  private worker?: TaskRunWorker;
  /** runs this process executes now → their turn id once started */
  private readonly active = new Map<string, { run: TaskRunEntity; turnId: string | null }>();

  constructor(
    private readonly repo: TasksRepository,
    private readonly runs: TaskRunsService,
    private readonly state: TaskRunState,
    private readonly chat: ChatTurnsContract,
    private readonly queue: TaskRunQueue,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly artifacts: ArtifactsContract,
    @Optional() private readonly metrics?: QueueMetrics,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.tasks.runInApi) {
      return;
    }
    this.worker = new TaskRunWorker(
      this.redis,
      this.config,
      { run: (p) => this.run(p), tick: (p, dueAt) => this.tick(p, dueAt) },
      this.metrics,
    );
    this.worker.start();
  }

  /** Stops taking jobs; runs still executing here end `failed`/`interrupted` and their turns are cancelled. */
  async onModuleDestroy() {
    await this.worker?.stop();
    for (const { run, turnId } of this.active.values()) {
      if (turnId) {
        await this.chat.cancel(turnId).catch(() => undefined);
      }
      await this.state.finish(run, 'failed', INTERRUPTED).catch(() => false);
    }
    this.active.clear();
  }

  async tick(p: TaskTickPayload, dueAt: number): Promise<string> {
    const lateMs = Date.now() - dueAt;
    if (lateMs > this.config.tasks.scheduleGraceSecs * 1000) {
      this.logger.warn(
        `dropped the tick of task ${p.taskId} due at ${new Date(dueAt).toISOString()}: ${Math.round(lateMs / 1000)} s late (missed ticks are not back-filled)`,
      );
      return 'late';
    }
    const task = await this.repo.findTask(p.orgId, p.taskId);
    if (!task || task.triggerKind !== 'schedule') {
      // a scheduler that outlived its task (deleted meanwhile): remove it
      await this.queue.removeSchedule(p.taskId).catch(() => undefined);
      return 'no_task';
    }
    const run = await this.runs.fireUnlessActive(task, {
      kind: 'schedule',
      fired_at: new Date(dueAt).toISOString(),
      cron: task.cron ?? p.cron,
    });
    return run ? run.id : 'skipped';
  }

  async run(payload: TaskRunJobPayload): Promise<string> {
    const run = await this.repo.findRunById(payload.runId);
    if (!run || run.orgId !== payload.orgId) {
      return 'run_not_found';
    }
    if (FINAL_RUN_STATUSES.includes(run.status)) {
      return run.status;
    }
    if (run.status !== 'pending') {
      if (run.turnId) {
        await this.chat.cancel(run.turnId);
      }
      await this.state.finish(run, 'failed', INTERRUPTED);
      return 'interrupted';
    }
    if (run.cancelRequested) {
      await this.state.finish(run, 'cancelled', null, {}, ['pending']);
      return 'cancelled';
    }
    if (!(await this.state.start(run))) {
      return 'not_pending';
    }
    this.active.set(run.id, { run, turnId: null });
    try {
      await this.execute(run);
    } finally {
      this.active.delete(run.id);
    }
    return run.status;
  }

  private async execute(run: TaskRunEntity): Promise<void> {
    let observed: Promise<void> = Promise.resolve();
    const follow = (waiting: boolean) => {
      observed = observed.then(() => this.state.waiting(run, waiting)).catch(() => undefined);
    };
    let turn;
    try {
      turn = await this.chat.start({
        orgId: run.orgId,
        agent: run.agent,
        realm: run.realm,
        title: `${run.taskName ? `Task ${run.taskName}` : 'Automation'}: ${run.id}`,
        content: runMessage(run.input, run.taskName),
        actorUserId: run.createdBy,
        maxIterations: run.maxIterations,
        approvalDefaults: run.approvalDefaults ?? undefined,
        observe: (event) => {
          if (event === 'approval_required') {
            follow(true);
          } else if (event === 'approval_resolved') {
            follow(false);
          }
        },
      });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      await this.state.finish(run, 'failed', {
        code: typeof e.code === 'string' ? e.code : 'start_failed',
        message: e.message ?? 'the agent turn could not start',
      });
      return;
    }
    run.conversationId = turn.conversationId;
    run.turnId = turn.turnId;
    this.active.set(run.id, { run, turnId: turn.turnId });
    await this.repo.updateRun(run.id, { conversationId: turn.conversationId, turnId: turn.turnId });
    // a cancel that came while the turn was starting saw no turn id yet
    if ((await this.repo.findRunById(run.id))?.cancelRequested) {
      await this.chat.cancel(turn.turnId);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.chat.cancel(turn.turnId).catch(() => undefined);
    }, run.timeoutSecs * 1000);
    timer.unref();
    let outcome: AutomatedTurnOutcome;
    try {
      outcome = await turn.done;
    } finally {
      clearTimeout(timer);
    }
    await observed;
    await this.end(run, outcome, timedOut);
  }

  /** Files the run's tools produced carry its id from now on (they were linked by conversation). */
  private async labelArtifacts(run: TaskRunEntity): Promise<void> {
    if (!run.conversationId) {
      return;
    }
    try {
      await this.artifacts.linkToTaskRun(run.orgId, run.conversationId, run.id);
    } catch (err) {
      this.logger.warn(`labelling the artifacts of run ${run.id} failed: ${(err as Error).message}`);
    }
  }

  private async end(run: TaskRunEntity, o: AutomatedTurnOutcome, timedOut: boolean): Promise<void> {
    await this.labelArtifacts(run);
    const extra = { usage: o.usage, output: o.content || null };
    switch (o.status) {
      case 'completed':
        await this.state.finish(run, 'succeeded', null, extra);
        return;
      case 'cancelled':
        if (timedOut) {
          await this.state.finish(
            run,
            'failed',
            { code: 'timeout', message: `The run exceeded timeout_secs (${run.timeoutSecs} s)` },
            extra,
          );
        } else {
          await this.state.finish(run, 'cancelled', o.error, extra);
        }
        return;
      case 'interrupted':
        await this.state.finish(run, 'failed', INTERRUPTED, extra);
        return;
      default:
        await this.state.finish(
          run,
          'failed',
          o.error ?? { code: 'turn_failed', message: 'The agent turn failed' },
          extra,
        );
    }
  }
}
