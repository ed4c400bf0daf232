import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ChannelPostContract } from '../channels/channel-post.contract';
import { TaskAdminContract } from '../tasks/task-admin.contract';
import { TasksContract } from '../tasks/tasks.contract';
import type { CronChannelEntity } from './cron-channel.entity';
import { CronChannelsRepository } from './cron-channels.repository';
import type {
  CreateCronChannelDto,
  CronChannelDto,
  CronChannelRunAcceptedDto,
  CronChannelRunDto,
  UpdateCronChannelDto,
} from './dto/cron-channel.dto';

/** `/cron-channels`: each one owns a schedule task (the tasks scheduler fires it once across replicas). */
@Injectable()
export class CronChannelsService {
  constructor(
    private readonly repo: CronChannelsRepository,
    private readonly tasks: TasksContract,
    private readonly taskAdmin: TaskAdminContract,
    private readonly channels: ChannelPostContract,
    private readonly audit: AuditService,
  ) {}

  private async find(orgId: string, id: string): Promise<CronChannelEntity> {
    const c = await this.repo.find(orgId, id);
    if (!c) {
      throw new NotFoundException('Cron channel');
    }
    return c;
  }

  private async record(p: Principal, action: string, id: string): Promise<void> {
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: `cron_channels.${action}`,
      result: 'success',
      actor: p,
      target: { type: 'cron_channel', id },
    });
  }

  async create(p: Principal, dto: CreateCronChannelDto): Promise<CronChannelDto> {
    if (await this.repo.findByName(p.orgId, dto.name)) {
      throw new ConflictException('A cron channel with this name exists', { name: dto.name }, 'name_taken');
    }
    if (!(await this.channels.isConfigured(p.orgId, dto.channel))) {
      throw new ValidationException(`The ${dto.channel} channel is not configured`, { field: 'channel' });
    }
    const id = prefixedId('crc');
    const task = await this.tasks.create(p, {
      name: `cron-channel ${id}`,
      agent: dto.agent,
      ...(dto.realm ? { realm: dto.realm } : {}),
      trigger: { kind: 'schedule', cron: dto.cron, ...(dto.timezone ? { timezone: dto.timezone } : {}) },
      input_template: { instruction: dto.prompt },
      enabled: dto.enabled ?? true,
    });
    await this.repo.insert({
      id,
      orgId: p.orgId,
      name: dto.name,
      channel: dto.channel,
      target: { ...(dto.target ?? {}) },
      cron: dto.cron,
      timezone: dto.timezone ?? null,
      agent: dto.agent,
      realm: dto.realm ?? null,
      prompt: dto.prompt,
      taskId: task.id,
      enabled: dto.enabled ?? true,
    });
    await this.record(p, 'create', id);
    return toDto(await this.find(p.orgId, id));
  }

  async list(p: Principal, query: PageQuery): Promise<Page<CronChannelDto>> {
    return paginateArray(await this.repo.listForOrg(p.orgId), query, {
      scope: 'cron_channels',
      key: (c) => c.createdAt.getTime(),
      id: (c) => c.id,
      map: toDto,
      direction: 'DESC',
    });
  }

  async get(p: Principal, id: string): Promise<CronChannelDto> {
    return toDto(await this.find(p.orgId, id));
  }

  async update(p: Principal, id: string, dto: UpdateCronChannelDto): Promise<CronChannelDto> {
    const c = await this.find(p.orgId, id);
    if (dto.name && dto.name !== c.name) {
      const other = await this.repo.findByName(p.orgId, dto.name);
      if (other) {
        throw new ConflictException('A cron channel with this name exists', { name: dto.name }, 'name_taken');
      }
    }
    const taskPatch: Record<string, unknown> = {};
    if (dto.cron !== undefined || dto.timezone !== undefined) {
      const tz = dto.timezone ?? c.timezone;
      taskPatch.trigger = { kind: 'schedule', cron: dto.cron ?? c.cron, ...(tz ? { timezone: tz } : {}) };
    }
    if (dto.prompt !== undefined) {
      taskPatch.input_template = { instruction: dto.prompt };
    }
    if (dto.enabled !== undefined) {
      taskPatch.enabled = dto.enabled;
    }
    if (Object.keys(taskPatch).length) {
      await this.taskAdmin.update(p, c.taskId, taskPatch);
    }
    await this.repo.update(p.orgId, id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.target !== undefined ? { target: { ...dto.target } } : {}),
      ...(dto.cron !== undefined ? { cron: dto.cron } : {}),
      ...(dto.timezone !== undefined ? { timezone: dto.timezone } : {}),
      ...(dto.prompt !== undefined ? { prompt: dto.prompt } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    });
    await this.record(p, 'update', id);
    return toDto(await this.find(p.orgId, id));
  }

  async remove(p: Principal, id: string): Promise<void> {
    const c = await this.find(p.orgId, id);
    try {
      await this.taskAdmin.remove(p, c.taskId);
    } catch (e) {
      if (!(e instanceof NotFoundException)) {
        throw e;
      }
    }
    await this.repo.delete(p.orgId, id);
    await this.record(p, 'delete', id);
  }

  async runs(p: Principal, id: string, query: PageQuery): Promise<Page<CronChannelRunDto>> {
    const c = await this.find(p.orgId, id);
    const page = await this.taskAdmin.listRuns(p, c.taskId, query);
    return {
      ...page,
      items: page.items.map((r) => ({
        id: r.id as string,
        status: r.status as string,
        trigger: (r.trigger as Record<string, unknown>) ?? {},
        output: (r.output as string | null) ?? null,
        created_at: r.created_at as string,
        finished_at: (r.finished_at as string | null) ?? null,
      })),
    };
  }

  async runNow(p: Principal, id: string): Promise<CronChannelRunAcceptedDto> {
    const c = await this.find(p.orgId, id);
    const { runId } = await this.tasks.fire(p.orgId, c.taskId, { kind: 'manual', user_id: p.userId });
    await this.record(p, 'run', id);
    return { run_id: runId };
  }
}

function toDto(c: CronChannelEntity): CronChannelDto {
  return {
    id: c.id,
    name: c.name,
    channel: c.channel,
    target: c.target ?? {},
    cron: c.cron,
    timezone: c.timezone,
    agent: c.agent,
    realm: c.realm,
    prompt: c.prompt,
    task_id: c.taskId,
    enabled: c.enabled,
    last_run_at: c.lastRunAt?.toISOString() ?? null,
    last_error: c.lastError,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
