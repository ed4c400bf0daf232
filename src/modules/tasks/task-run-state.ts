import { OrgEvents } from '@libs/events';
import { Injectable } from '@nestjs/common';
import { ACTIVE_RUN_STATUSES, type TaskRunEntity, type TaskRunError, type TaskRunStatus } from './task.entity';
import { TasksRepository } from './tasks.repository';

type Final = Extract<TaskRunStatus, 'succeeded' | 'failed' | 'cancelled'>;

/**
 * The run state machine's transitions (docs/tasks.md), each a conditional update followed by its
 * events: `task_run.updated` on every change, then `task_run.finished` (succeeded/cancelled) or
 * `task_run.failed` at the end. A transition that finds the run elsewhere does nothing.
 */
@Injectable()
export class TaskRunState {
  constructor(
    private readonly repo: TasksRepository,
    private readonly events: OrgEvents,
  ) {}

  async publishUpdated(run: TaskRunEntity): Promise<void> {
    await this.events.publish(run.orgId, 'task_run.updated', this.data(run));
  }

  async start(run: TaskRunEntity): Promise<boolean> {
    const startedAt = new Date();
    if (!(await this.repo.transitionRun(run.id, ['pending'], { status: 'running', startedAt }))) {
      return false;
    }
    Object.assign(run, { status: 'running', startedAt });
    await this.publishUpdated(run);
    return true;
  }

  /** running ⇄ awaiting_approval (`waiting_approval` mirrors it). */
  async waiting(run: TaskRunEntity, waiting: boolean): Promise<void> {
    const from: TaskRunStatus[] = waiting ? ['running'] : ['awaiting_approval'];
    const status: TaskRunStatus = waiting ? 'awaiting_approval' : 'running';
    if (await this.repo.transitionRun(run.id, from, { status, waitingApproval: waiting })) {
      Object.assign(run, { status, waitingApproval: waiting });
      await this.publishUpdated(run);
    }
  }

  async finish(
    run: TaskRunEntity,
    status: Final,
    error: TaskRunError | null,
    extra: Pick<Partial<TaskRunEntity>, 'usage' | 'output'> = {},
    from: TaskRunStatus[] = ACTIVE_RUN_STATUSES,
  ): Promise<boolean> {
    const patch = { status, error, waitingApproval: false, finishedAt: new Date(), ...extra };
    if (!(await this.repo.transitionRun(run.id, from, patch))) {
      return false;
    }
    Object.assign(run, patch);
    await this.publishUpdated(run);
    if (status === 'failed') {
      await this.events.publish(run.orgId, 'task_run.failed', { ...this.data(run), error });
    } else {
      await this.events.publish(run.orgId, 'task_run.finished', this.data(run));
    }
    return true;
  }

  private data(run: TaskRunEntity) {
    return {
      run_id: run.id,
      task_id: run.taskId,
      task_name: run.taskName,
      trigger_kind: run.trigger?.kind ?? null,
      created_by: run.createdBy,
      status: run.status,
      waiting_approval: run.waitingApproval,
      conversation_id: run.conversationId,
      ...(run.error ? { error: run.error } : {}),
    };
  }
}
