import type { Principal } from '@libs/auth/principal';
import { createValidationPipe } from '@libs/errors/validation.pipe';
import { Injectable } from '@nestjs/common';
import { CreateTaskDto } from './dto/task.dto';
import { TaskRunsService } from './task-runs.service';
import {
  TasksContract,
  type AdHocRunTarget,
  type TaskHookTarget,
  type TaskSummary,
  type TriggerContext,
} from './tasks.contract';
import { TasksService } from './tasks.service';

/** TasksContract for other modules (webhooks, recommendations, the WebSocket gateway). */
@Injectable()
export class TasksContractService extends TasksContract {
  private readonly pipe = createValidationPipe();

  constructor(
    private readonly tasks: TasksService,
    private readonly runs: TaskRunsService,
  ) {
    super();
  }

  hookTarget(taskId: string): Promise<TaskHookTarget | null> {
    return this.tasks.hookTarget(taskId);
  }

  fire(orgId: string, taskId: string, trigger: TriggerContext): Promise<{ runId: string }> {
    return this.runs.fire(orgId, taskId, trigger);
  }

  fireAdHoc(orgId: string, target: AdHocRunTarget, trigger: TriggerContext): Promise<{ runId: string }> {
    return this.runs.fireAdHoc(orgId, target, trigger);
  }

  async create(p: Principal, body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>> {
    const dto = (await this.pipe.transform(body, { type: 'body', metatype: CreateTaskDto })) as CreateTaskDto;
    return { ...(await this.tasks.create(p, dto)) };
  }

  runStatus(orgId: string, runId: string): Promise<string | null> {
    return this.runs.runStatus(orgId, runId);
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
