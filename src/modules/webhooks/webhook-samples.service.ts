import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import { Page, paginateArray } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { BUILTIN_SAMPLES, builtinSample, SamplePayload, slugOf } from './builtin-samples';
import { CreateSampleDto, RunSampleDto, SampleDto, SampleListQuery } from './dto/sample.dto';
import { HookAcceptedDto } from './dto/webhook.dto';
import { HookIntake } from './hook-intake.service';
import type { WebhookSampleEntity } from './webhook-sample.entity';
import { WebhookSamplesRepository } from './webhook-samples.repository';

export const MAX_SAMPLES_PER_ORG = 200;

/** `/webhook-samples`: built-in and org-saved payloads, fired into a task like a signed delivery. */
@Injectable()
export class WebhookSamplesService {
  constructor(
    private readonly repo: WebhookSamplesRepository,
    private readonly intake: HookIntake,
    private readonly audit: AuditService,
  ) {}

  /** Built-ins first (fixed order), then the org's samples newest first. */
  async list(p: Principal, q: SampleListQuery): Promise<Page<SampleDto>> {
    const all = [...BUILTIN_SAMPLES.map(builtinDto), ...(await this.repo.list(p.orgId)).map(customDto)];
    const rank = new Map(all.map((s, i) => [s.id, all.length - i]));
    return paginateArray(all, q, {
      scope: `webhook-samples:${p.orgId}`,
      key: (s) => rank.get(s.id)!,
      id: (s) => s.id,
      map: (s) => s,
    });
  }

  async get(p: Principal, id: string): Promise<SampleDto> {
    const b = builtinSample(id);
    if (b) {
      return builtinDto(b);
    }
    const s = await this.repo.find(p.orgId, id);
    if (!s) {
      throw new NotFoundException('Sample');
    }
    return customDto(s);
  }

  async save(p: Principal, dto: CreateSampleDto): Promise<SampleDto> {
    const name = dto.name.trim();
    const id = slugOf(name);
    if (!id) {
      throw new ValidationException('name must contain a letter or digit', {
        fields: [{ field: 'name', errors: ['must contain a letter or digit'] }],
      });
    }
    if (builtinSample(id)) {
      throw new ConflictException(`"${id}" is a built-in sample`, { id }, 'sample_exists');
    }
    if ((await this.repo.count(p.orgId)) >= MAX_SAMPLES_PER_ORG) {
      throw new ConflictException(`An org has at most ${MAX_SAMPLES_PER_ORG} samples`, {}, 'limit_reached');
    }
    const saved = await this.repo.create({
      orgId: p.orgId,
      id,
      name,
      description: dto.description ?? '',
      payload: dto.payload,
      headers: dto.headers ? lowerKeys(dto.headers) : null,
      createdBy: p.userId,
    });
    if (!saved) {
      throw new ConflictException(`A sample named "${name}" already exists`, { id }, 'sample_exists');
    }
    await this.record(p, 'webhook_samples.create', id);
    return customDto(saved);
  }

  async remove(p: Principal, id: string): Promise<void> {
    if (builtinSample(id)) {
      throw new ConflictException('Built-in samples cannot be deleted', { id }, 'builtin_sample');
    }
    if (!(await this.repo.delete(p.orgId, id))) {
      throw new NotFoundException('Sample');
    }
    await this.record(p, 'webhook_samples.delete', id);
  }

  /** Fires the sample into the task through the receiver's path (a delivery row with source `sample`). */
  async run(p: Principal, id: string, dto: RunSampleDto): Promise<HookAcceptedDto> {
    const s = await this.get(p, id);
    const text = typeof s.payload === 'string' ? s.payload : JSON.stringify(s.payload);
    const r = await this.intake.accept(
      p.orgId,
      dto.task_id,
      { type: 'task', taskId: dto.task_id },
      {
        body: s.payload,
        text,
        contentType: s.headers['content-type'] ?? 'application/json',
        headers: s.headers,
        query: {},
        sizeBytes: Buffer.byteLength(text),
        sourceIp: null,
      },
      'sample',
    );
    await this.record(p, 'webhook_samples.run', id, { task_id: dto.task_id, delivery_id: r.deliveryId });
    return { delivery_id: r.deliveryId, run_id: r.runId };
  }

  private async record(p: Principal, action: string, id: string, details?: Record<string, unknown>): Promise<void> {
    await this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action,
      result: 'success',
      actor: p,
      target: { type: 'webhook_sample', id },
      ...(details ? { details } : {}),
    });
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function builtinDto(s: SamplePayload): SampleDto {
  return { ...s, builtin: true, created_at: null };
}

function customDto(s: WebhookSampleEntity): SampleDto {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    builtin: false,
    payload: s.payload,
    headers: s.headers ?? { 'content-type': 'application/json' },
    created_at: s.createdAt.toISOString(),
  };
}
