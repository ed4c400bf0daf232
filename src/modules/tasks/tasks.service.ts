import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { PrincipalChanges } from '@libs/auth/principal-changes';
import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { prefixedId } from '@libs/database/ids';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { TaskRunQueue } from '@libs/queue';
import { Injectable, Logger } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { AgentsContract } from 'src/modules/agents/agents.contract';
import { RealmCheck } from 'src/modules/settings/realm-check';
import type { CreateTaskDto, ListTasksQuery, TaskDto, TaskTriggerInputDto, UpdateTaskDto } from './dto/task.dto';
import { LIFECYCLE_EVENTS, lifecycleFilterError, type LifecycleFilter } from './task-lifecycle';
import { TaskRunsService } from './task-runs.service';
import { compileTemplate, TemplateError } from './task-template';
import { cronError, isTimeZone } from './task-trigger';
import type { TaskEntity, TaskTriggerKind } from './task.entity';
import { toTaskDto } from './tasks.mappers';
import { TasksRepository } from './tasks.repository';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `whsec_` + 32 random base62 characters. */
export function newWebhookSecret(): string {
  let out = 'whsec_';
  for (let i = 0; i < 32; i++) {
    out += BASE62[randomInt(BASE62.length)];
  }
  return out;
}

function invalid(field: string, message: string): ValidationException {
  return new ValidationException(`${field}: ${message}`, { fields: [{ field, errors: [message] }] });
}

interface TriggerFields {
  triggerKind: TaskTriggerKind;
  cron: string | null;
  timezone: string;
  triggerEvent: string | null;
  triggerFilter: LifecycleFilter | null;
}

/**
 * `/tasks` CRUD: validation (cron, time zone, template, agent, realm), the webhook secret (sealed;
 * shown once), the BullMQ job scheduler of schedule tasks (kept in step with enabled/trigger),
 * audit. Runs: TaskRunsService.
 */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    private readonly repo: TasksRepository,
    private readonly runs: TaskRunsService,
    private readonly queue: TaskRunQueue,
    private readonly box: SecretBox,
    private readonly agents: AgentsContract,
    private readonly realms: RealmCheck,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly changes: PrincipalChanges,
  ) {}

  /** Its `/hooks` trigger changed: every replica drops what it cached of it (HookTriggers). */
  private triggerChanged(id: string): Promise<void> {
    return this.changes.announce('hook_trigger', id);
  }

  private dto(t: TaskEntity, secret?: string): TaskDto {
    return toTaskDto(t, this.config.publicBaseUrl, secret);
  }

  private async find(orgId: string, id: string): Promise<TaskEntity> {
    const t = await this.repo.findTask(orgId, id);
    if (!t) {
      throw new NotFoundException('Task');
    }
    return t;
  }

  private trigger(dto: TaskTriggerInputDto): TriggerFields {
    const kind: TaskTriggerKind = dto.kind === 'cron' ? 'schedule' : dto.kind;
    const none = { cron: null, timezone: 'UTC', triggerEvent: null, triggerFilter: null };
    if (kind !== 'lifecycle' && (dto.event !== undefined || dto.filter !== undefined)) {
      throw invalid('trigger.event', 'event and filter apply to lifecycle triggers only');
    }
    if (kind !== 'schedule' && (dto.cron !== undefined || dto.timezone !== undefined)) {
      throw invalid('trigger.cron', `cron and timezone apply to schedule triggers only`);
    }
    if (kind === 'lifecycle') {
      if (!dto.event) {
        throw invalid('trigger.event', `a lifecycle trigger needs an event (${LIFECYCLE_EVENTS.join(', ')})`);
      }
      const err = dto.filter === undefined ? null : lifecycleFilterError(dto.filter);
      if (err) {
        throw invalid('trigger.filter', err);
      }
      return {
        ...none,
        triggerKind: kind,
        triggerEvent: dto.event,
        triggerFilter: (dto.filter as LifecycleFilter) ?? null,
      };
    }
    if (kind !== 'schedule') {
      return { ...none, triggerKind: kind };
    }
    if (!dto.cron) {
      throw invalid('trigger.cron', 'a schedule trigger needs a cron expression');
    }
    const err = cronError(dto.cron, this.config.tasks.cronSeconds);
    if (err) {
      throw invalid('trigger.cron', err);
    }
    const timezone = dto.timezone ?? 'UTC';
    if (!isTimeZone(timezone)) {
      throw invalid('trigger.timezone', `unknown IANA time zone "${timezone}"`);
    }
    return { ...none, triggerKind: 'schedule', cron: dto.cron.trim().replace(/\s+/g, ' '), timezone };
  }

  private template(dto: { input_template?: Record<string, unknown>; input?: Record<string, unknown> }) {
    const template = dto.input_template ?? dto.input;
    if (template === undefined) {
      return undefined;
    }
    const field = dto.input_template !== undefined ? 'input_template' : 'input';
    try {
      compileTemplate(template, field);
    } catch (err) {
      if (err instanceof TemplateError) {
        throw invalid(err.path, `template does not compile: ${err.message}`);
      }
      throw err;
    }
    return template;
  }

  private async checkAgent(orgId: string, agent: string): Promise<void> {
    try {
      await this.agents.resolve(orgId, agent);
    } catch (err) {
      if ((err as { status?: number }).status === 404) {
        throw invalid('agent', `unknown agent "${agent}"`);
      }
      throw err;
    }
  }

  private async assertNameFree(orgId: string, name: string, exceptId?: string): Promise<void> {
    if (await this.repo.nameTaken(orgId, name, exceptId)) {
      throw new ConflictException(`A task named "${name}" already exists`, { name }, 'task_name_taken');
    }
  }

  /** Puts the task's BullMQ job scheduler in step with it (exists iff an enabled schedule task). */
  private async syncSchedule(t: TaskEntity): Promise<void> {
    if (t.triggerKind === 'schedule' && t.enabled && t.cron) {
      await this.queue.upsertSchedule(t.id, t.orgId, t.cron, t.timezone);
    } else {
      await this.queue.removeSchedule(t.id);
    }
  }

  async create(p: Principal, dto: CreateTaskDto): Promise<TaskDto> {
    const name = dto.name.trim();
    const trigger = this.trigger(dto.trigger);
    const template = this.template(dto) ?? {};
    const agent = dto.agent ?? 'default';
    await this.checkAgent(p.orgId, agent);
    await this.realms.assertExists(p, dto.realm, 'realm', { acceptId: true });
    await this.assertNameFree(p.orgId, name);
    const secret = trigger.triggerKind === 'webhook' ? newWebhookSecret() : undefined;
    let task: TaskEntity;
    try {
      task = await this.repo.insertTask({
        id: prefixedId('task'),
        orgId: p.orgId,
        name,
        description: dto.description ?? null,
        agent,
        realm: dto.realm ?? null,
        ...trigger,
        secretSealed: secret ? this.box.seal(secret) : null,
        secretPrefix: secret ? secret.slice(0, 10) : null,
        inputTemplate: template,
        approvalDefaults: (dto.approval_defaults as Record<string, string> | null | undefined) ?? null,
        enabled: dto.enabled ?? true,
        timeoutSecs: dto.timeout_secs ?? 900,
        maxIterations: dto.max_iterations ?? 20,
        createdBy: p.userId,
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new ConflictException(`A task named "${name}" already exists`, { name }, 'task_name_taken');
      }
      throw err;
    }
    await this.syncSchedule(task);
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'tasks.create',
      result: 'success',
      actor: p,
      target: { type: 'task', id: task.id },
      details: { name, trigger_kind: task.triggerKind, agent },
    });
    return this.dto(task, secret);
  }

  list(p: Principal, q: ListTasksQuery): Promise<Page<TaskDto>> {
    const kind = q.trigger_kind === 'cron' ? 'schedule' : q.trigger_kind;
    return this.repo.listTasks(
      p.orgId,
      { limit: q.limit, cursor: q.cursor, enabled: q.enabled, triggerKind: kind, agent: q.agent, realm: q.realm },
      (t) => this.dto(t),
    );
  }

  async get(p: Principal, id: string): Promise<TaskDto> {
    return this.dto(await this.find(p.orgId, id));
  }

  async update(p: Principal, id: string, dto: UpdateTaskDto): Promise<TaskDto> {
    const task = await this.find(p.orgId, id);
    const patch: Partial<TaskEntity> = {};
    let secret: string | undefined;
    if (dto.name !== undefined && dto.name.trim() !== task.name) {
      patch.name = dto.name.trim();
      await this.assertNameFree(p.orgId, patch.name, id);
    }
    if (dto.description !== undefined) {
      patch.description = dto.description;
    }
    if (dto.agent !== undefined) {
      await this.checkAgent(p.orgId, dto.agent);
      patch.agent = dto.agent;
    }
    if (dto.realm !== undefined) {
      await this.realms.assertExists(p, dto.realm, 'realm', { acceptId: true });
      patch.realm = dto.realm;
    }
    if (dto.trigger !== undefined) {
      Object.assign(patch, this.trigger(dto.trigger));
      if (patch.triggerKind !== 'webhook') {
        patch.secretSealed = null;
        patch.secretPrefix = null;
      } else if (task.triggerKind !== 'webhook') {
        secret = newWebhookSecret();
        patch.secretSealed = this.box.seal(secret);
        patch.secretPrefix = secret.slice(0, 10);
      }
    }
    const template = this.template(dto);
    if (template !== undefined) {
      patch.inputTemplate = template;
    }
    if (dto.approval_defaults !== undefined) {
      patch.approvalDefaults = dto.approval_defaults as Record<string, string> | null;
    }
    for (const [k, v] of [
      ['enabled', dto.enabled],
      ['timeoutSecs', dto.timeout_secs],
      ['maxIterations', dto.max_iterations],
    ] as const) {
      if (v !== undefined) {
        (patch as Record<string, unknown>)[k] = v;
      }
    }
    if (Object.keys(patch).length) {
      try {
        await this.repo.updateTask(p.orgId, id, patch);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new ConflictException(
            `A task named "${patch.name}" already exists`,
            { name: patch.name },
            'task_name_taken',
          );
        }
        throw err;
      }
    }
    await this.triggerChanged(id);
    const updated = await this.find(p.orgId, id);
    await this.syncSchedule(updated);
    const { input_template: _t, input: _i, ...changes } = dto;
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'tasks.update',
      result: 'success',
      actor: p,
      target: { type: 'task', id },
      details: { changes: { ...changes, ...(template !== undefined ? { input_template: true } : {}) } },
    });
    return this.dto(updated, secret);
  }

  /** pause (`enabled: false`) / resume: also `POST /tasks/:id/pause|resume`. */
  async setEnabled(p: Principal, id: string, enabled: boolean): Promise<TaskDto> {
    const task = await this.find(p.orgId, id);
    if (task.enabled !== enabled) {
      await this.repo.updateTask(p.orgId, id, { enabled });
      await this.triggerChanged(id);
    }
    const updated = await this.find(p.orgId, id);
    await this.syncSchedule(updated);
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: enabled ? 'tasks.resume' : 'tasks.pause',
      result: 'success',
      actor: p,
      target: { type: 'task', id },
    });
    return this.dto(updated);
  }

  /** 409 `not_webhook` unless the trigger is a webhook; the old secret stops working at once. */
  async rotateSecret(p: Principal, id: string): Promise<TaskDto> {
    const task = await this.find(p.orgId, id);
    if (task.triggerKind !== 'webhook') {
      throw new ConflictException(
        'Only webhook-triggered tasks have a secret',
        { trigger_kind: task.triggerKind },
        'not_webhook',
      );
    }
    const secret = newWebhookSecret();
    await this.repo.updateTask(p.orgId, id, { secretSealed: this.box.seal(secret), secretPrefix: secret.slice(0, 10) });
    await this.triggerChanged(id);
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'tasks.rotate_secret',
      result: 'success',
      actor: p,
      target: { type: 'task', id },
    });
    return this.dto(await this.find(p.orgId, id), secret);
  }

  /** Deletes the task: its scheduler is removed and its pending/running runs are cancelled (run history stays). */
  async remove(p: Principal, id: string): Promise<void> {
    const task = await this.find(p.orgId, id);
    await this.queue.removeSchedule(id);
    if (!(await this.repo.deleteTask(p.orgId, id))) {
      throw new NotFoundException('Task');
    }
    await this.triggerChanged(id);
    const cancelled = await this.runs.cancelActive(p.orgId, id).catch((err: Error) => {
      this.logger.warn(`cancelling the runs of deleted task ${id} failed: ${err.message}`);
      return 0;
    });
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: 'tasks.delete',
      result: 'success',
      actor: p,
      target: { type: 'task', id },
      details: { name: task.name, cancelled_runs: cancelled },
    });
  }

  async hookTarget(
    taskId: string,
  ): Promise<{ taskId: string; orgId: string; enabled: boolean; secret: string } | null> {
    const t = await this.repo.findTaskWithSecret(taskId);
    if (!t || t.triggerKind !== 'webhook' || !t.secretSealed) {
      return null;
    }
    return { taskId: t.id, orgId: t.orgId, enabled: t.enabled, secret: this.box.open(t.secretSealed).toString('utf8') };
  }

  async listForOrg(orgId: string): Promise<TaskEntity[]> {
    return this.repo.allTasks(orgId);
  }
}
