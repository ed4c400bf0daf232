import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { ACTIVE_RUN_STATUSES, TaskEntity, TaskRunEntity, type TaskRunStatus } from './task.entity';

export interface TaskListFilter {
  enabled?: boolean;
  triggerKind?: string;
  agent?: string;
  realm?: string;
}

/** The only code touching `tasks` and `task_runs`; every task read is scoped to an org. */
@Injectable()
export class TasksRepository {
  constructor(private readonly txHost: TransactionHost) {}

  private get tasks(): Repository<TaskEntity> {
    return this.txHost.tx.getRepository(TaskEntity);
  }

  private get runs(): Repository<TaskRunEntity> {
    return this.txHost.tx.getRepository(TaskRunEntity);
  }

  // ---- tasks ----
  findTask(orgId: string, id: string): Promise<TaskEntity | null> {
    return this.tasks.findOne({ where: { orgId, id } });
  }

  /** The task with its sealed webhook secret (for the HMAC check and rotation). */
  findTaskWithSecret(id: string): Promise<TaskEntity | null> {
    return this.tasks.createQueryBuilder('t').addSelect('t.secretSealed').where('t.id = :id', { id }).getOne();
  }

  async nameTaken(orgId: string, name: string, exceptId?: string): Promise<boolean> {
    const qb = this.tasks
      .createQueryBuilder('t')
      .where('t.org_id = :orgId AND lower(t.name) = lower(:name)', { orgId, name });
    if (exceptId) {
      qb.andWhere('t.id <> :exceptId', { exceptId });
    }
    return (await qb.getCount()) > 0;
  }

  listTasks<R>(orgId: string, query: PageQuery & TaskListFilter, map: (t: TaskEntity) => R): Promise<Page<R>> {
    const qb = this.tasks.createQueryBuilder('t').where('t.org_id = :orgId', { orgId });
    if (query.enabled !== undefined) {
      qb.andWhere('t.enabled = :enabled', { enabled: query.enabled });
    }
    if (query.triggerKind) {
      qb.andWhere('t.trigger_kind = :kind', { kind: query.triggerKind });
    }
    if (query.agent) {
      qb.andWhere('t.agent = :agent', { agent: query.agent });
    }
    if (query.realm) {
      qb.andWhere('t.realm = :realm', { realm: query.realm });
    }
    const scope = `tasks:${orgId}:${String(query.enabled ?? '')}:${query.triggerKind ?? ''}:${query.agent ?? ''}:${query.realm ?? ''}`;
    return paginate(qb, query, { scope, map });
  }

  allTasks(orgId: string): Promise<TaskEntity[]> {
    return this.tasks.find({ where: { orgId }, order: { createdAt: 'DESC' } });
  }

  /** Every enabled schedule task of the install (scheduler reconciliation at boot). */
  enabledSchedules(): Promise<TaskEntity[]> {
    return this.tasks.find({ where: { triggerKind: 'schedule', enabled: true } });
  }

  /** The org's enabled lifecycle tasks listening to `event`. */
  lifecycleTasks(orgId: string, event: string): Promise<TaskEntity[]> {
    return this.tasks.find({ where: { orgId, triggerKind: 'lifecycle', triggerEvent: event, enabled: true } });
  }

  insertTask(data: Partial<TaskEntity>): Promise<TaskEntity> {
    return this.tasks.save(this.tasks.create(data));
  }

  async updateTask(orgId: string, id: string, patch: Partial<TaskEntity>): Promise<void> {
    await this.tasks.update({ orgId, id }, patch as never);
  }

  async deleteTask(orgId: string, id: string): Promise<boolean> {
    const r = await this.tasks.delete({ orgId, id });
    return (r.affected ?? 0) > 0;
  }

  /** Serialises run creation per task until the transaction ends (the `run_in_progress` check). */
  async lockTask(taskId: string): Promise<void> {
    await this.txHost.tx.query(`SELECT pg_advisory_xact_lock(hashtext('task:' || $1))`, [taskId]);
  }

  // ---- runs ----
  /** A plain INSERT (`save` would first SELECT the new id); generated columns come back into the entity. */
  async insertRun(data: Partial<TaskRunEntity>): Promise<TaskRunEntity> {
    const run = this.runs.create(data);
    await this.runs.insert(run as QueryDeepPartialEntity<TaskRunEntity>);
    return run;
  }

  findRun(orgId: string, id: string): Promise<TaskRunEntity | null> {
    return this.runs.findOne({ where: { orgId, id } });
  }

  findRunById(id: string): Promise<TaskRunEntity | null> {
    return this.runs.findOne({ where: { id } });
  }

  async hasActiveRun(taskId: string): Promise<boolean> {
    return (await this.runs.count({ where: { taskId, status: In(ACTIVE_RUN_STATUSES) } })) > 0;
  }

  activeRuns(orgId: string, taskId: string): Promise<TaskRunEntity[]> {
    return this.runs.find({ where: { orgId, taskId, status: In(ACTIVE_RUN_STATUSES) } });
  }

  listRuns<R>(orgId: string, taskId: string, query: PageQuery, map: (r: TaskRunEntity) => R): Promise<Page<R>> {
    const qb = this.runs.createQueryBuilder('r').where('r.org_id = :orgId AND r.task_id = :taskId', { orgId, taskId });
    return paginate(qb, query, { scope: `task-runs:${orgId}:${taskId}`, map });
  }

  /** Conditional transition: applies `patch` only while the run is in one of `from`; false otherwise. */
  async transitionRun(id: string, from: TaskRunStatus[], patch: Partial<TaskRunEntity>): Promise<boolean> {
    const r = await this.runs
      .createQueryBuilder()
      .update(TaskRunEntity)
      .set(patch as never)
      .where('id = :id AND status IN (:...from)', { id, from })
      .execute();
    return (r.affected ?? 0) > 0;
  }

  async updateRun(id: string, patch: Partial<TaskRunEntity>): Promise<void> {
    await this.runs.update({ id }, patch as never);
  }

  async requestCancel(orgId: string, id: string): Promise<void> {
    await this.runs.update({ orgId, id }, { cancelRequested: true });
  }
}
