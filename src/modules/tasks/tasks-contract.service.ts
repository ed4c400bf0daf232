import type { Principal } from '@libs/auth/principal';
import { createValidationPipe } from '@libs/errors/validation.pipe';
import type { Page, PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { CreateTaskDto, UpdateTaskDto } from './dto/task.dto';
import type { TaskAdminContract } from './task-admin.contract';
import { TaskRunsService } from './task-runs.service';
import {
  TasksContract,
  type AdHocRunTarget,
  type TaskHookTarget,
  type TaskSummary,
  type TriggerContext,
} from './tasks.contract';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

/** TasksContract for other modules (webhooks, recommendations, the WebSocket gateway). */
@Injectable()
export class TasksContractService extends TasksContract implements TaskAdminContract {
  private readonly pipe = createValidationPipe();

  constructor(
    private readonly tasks: TasksService,
    private readonly runs: TaskRunsService,
    private readonly repo: TasksRepository,
  ) {
    super();
  }

  hookTarget(taskId: string): Promise<TaskHookTarget | null> {
    return this.tasks.hookTarget(taskId);
  }

  fire(orgId: string, taskId: string, trigger: TriggerContext, runId?: string): Promise<{ runId: string }> {
    return this.runs.fire(orgId, taskId, trigger, runId);
  }

  fireAdHoc(
    orgId: string,
    target: AdHocRunTarget,
    trigger: TriggerContext,
    runId?: string,
  ): Promise<{ runId: string }> {
    return this.runs.fireAdHoc(orgId, target, trigger, runId);
  }

  async create(p: Principal, body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>> {
    const dto = (await this.pipe.transform(body, { type: 'body', metatype: CreateTaskDto })) as CreateTaskDto;
    return { ...(await this.tasks.create(p, dto)) };
  }

  runStatus(orgId: string, runId: string): Promise<string | null> {
    return this.runs.runStatus(orgId, runId);
  }

  async update(p: Principal, taskId: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const dto = (await this.pipe.transform(body, { type: 'body', metatype: UpdateTaskDto })) as UpdateTaskDto;
    return { ...(await this.tasks.update(p, taskId, dto)) };
  }

  remove(p: Principal, taskId: string): Promise<void> {
    return this.tasks.remove(p, taskId);
  }

  async listRuns(p: Principal, taskId: string, query: PageQuery): Promise<Page<Record<string, unknown>>> {
    const page = await this.runs.list(p, taskId, query);
    return { ...page, items: page.items.map((r) => ({ ...r })) };
  }

  async runResult(
    orgId: string,
    runId: string,
  ): Promise<{ taskId: string | null; status: string; output: string | null } | null> {
    const run = await this.repo.findRun(orgId, runId);
    return run ? { taskId: run.taskId, status: run.status, output: run.output } : null;
  }

  async listForOrg(orgId: string): Promise<TaskSummary[]> {
    return (await this.tasks.listForOrg(orgId)).map((t) => ({
      id: t.id,
      name: t.name,
      agent: t.agent,
      realm: t.realm,
      triggerKind: t.triggerKind,
      enabled: t.enabled,
      inputTemplate: t.inputTemplate ?? {},
      createdAt: t.createdAt,
    }));
  }
}
