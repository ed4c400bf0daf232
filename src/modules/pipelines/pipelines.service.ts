import type { Principal } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import type { Page, PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { parseExpression } from 'cron-parser';
import { SourcesContract } from '../sources/sources.contract';
import type {
  CreatePipelineDto,
  PipelineDto,
  PipelineRunDto,
  PipelineStepDto,
  RevertResultDto,
  UpdatePipelineDto,
} from './dto/pipeline.dto';
import { PipelineGraphRepository } from './pipeline-graph.repository';
import { PipelineRunner } from './pipeline-runner.service';
import type { PipelineEntity, PipelineRunEntity } from './pipeline.entity';
import { toPipelineDto, toRunDto } from './pipelines.mappers';
import { PipelinesRepository } from './pipelines.repository';

const DAY_MS = 86_400_000;

/** `/pipelines` rules: definitions (versioned), runs (one active per pipeline), retry and revert. */
@Injectable()
export class PipelinesService {
  constructor(
    private readonly repo: PipelinesRepository,
    private readonly sources: SourcesContract,
    private readonly runner: PipelineRunner,
    private readonly graph: PipelineGraphRepository,
  ) {}

  async create(p: Principal, dto: CreatePipelineDto): Promise<PipelineDto> {
    await this.checkSteps(p.orgId, dto.steps);
    const schedule = this.checkSchedule(dto.schedule ?? 'manual');
    const id = prefixedId('pip');
    const ok = await this.repo.insertPipeline({
      id,
      orgId: p.orgId,
      name: dto.name,
      realm: dto.realm ?? 'default',
      steps: dto.steps.map((s) => ({ source_id: s.source_id, config_overrides: s.config_overrides })),
      schedule,
      retentionDays: dto.retention_days ?? 30,
      enabled: dto.enabled ?? true,
      version: 1,
      createdBy: p.kind === 'user' ? p.userId : null,
    });
    if (!ok) {
      throw new ConflictException('A pipeline with this name exists', { name: dto.name }, 'already_exists');
    }
    return toPipelineDto((await this.repo.findPipeline(p.orgId, id))!);
  }

  list(p: Principal, q: PageQuery): Promise<Page<PipelineDto>> {
    return this.repo.listPipelines(p.orgId, q, toPipelineDto);
  }

  async get(p: Principal, id: string): Promise<PipelineDto> {
    return toPipelineDto(await this.pipelineOf(p.orgId, id));
  }

  async update(p: Principal, id: string, dto: UpdatePipelineDto): Promise<PipelineDto> {
    await this.pipelineOf(p.orgId, id);
    const patch: Partial<PipelineEntity> = {};
    if (dto.steps) {
      await this.checkSteps(p.orgId, dto.steps);
      patch.steps = dto.steps.map((s) => ({ source_id: s.source_id, config_overrides: s.config_overrides }));
    }
    if (dto.schedule !== undefined) {
      patch.schedule = this.checkSchedule(dto.schedule);
    }
    if (dto.name !== undefined) {
      patch.name = dto.name;
    }
    if (dto.retention_days !== undefined) {
      patch.retentionDays = dto.retention_days;
    }
    if (dto.enabled !== undefined) {
      patch.enabled = dto.enabled;
    }
    if (!(await this.repo.updatePipeline(p.orgId, id, patch))) {
      throw new ConflictException('A pipeline with this name exists', { name: dto.name }, 'already_exists');
    }
    return toPipelineDto(await this.pipelineOf(p.orgId, id));
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.pipelineOf(p.orgId, id);
    const active = await this.repo.activeRun(p.orgId, id);
    if (active) {
      throw new ConflictException('The pipeline has an active run', { run_id: active.id }, 'run_in_progress');
    }
    await this.repo.deletePipeline(p.orgId, id);
  }

  async startRun(p: Principal, id: string, retryOf: string | null = null): Promise<PipelineRunDto> {
    const pipeline = await this.pipelineOf(p.orgId, id);
    if (!pipeline.enabled) {
      throw new ConflictException('The pipeline is disabled', { pipeline_id: id }, 'pipeline_disabled');
    }
    const run: PipelineRunEntity = {
      id: prefixedId('prun'),
      pipelineId: id,
      orgId: p.orgId,
      pipelineVersion: pipeline.version,
      status: 'validating',
      steps: pipeline.steps.map((s) => ({
        source_id: s.source_id,
        status: 'pending',
        job_id: null,
        stats: null,
        error: null,
      })),
      stats: {},
      error: null,
      retryOf,
      requestedBy: p.kind === 'user' ? p.userId : null,
      startedAt: null,
      finishedAt: null,
      agentCompletedAt: null,
      agentSummary: null,
      createdAt: new Date(),
    };
    if (!(await this.repo.insertRun(run))) {
      const active = await this.repo.activeRun(p.orgId, id);
      throw new ConflictException('The pipeline has an active run', { run_id: active?.id ?? null }, 'run_in_progress');
    }
    const stored = (await this.repo.findRun(p.orgId, id, run.id))!;
    this.runner.start(stored, { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId });
    return toRunDto(stored);
  }

  async retry(p: Principal, id: string, runId: string): Promise<PipelineRunDto> {
    const run = await this.requireRun(p.orgId, id, runId);
    if (run.status !== 'failed' && run.status !== 'cancelled') {
      throw new ConflictException(
        'Only a failed or cancelled run can be retried',
        { status: run.status },
        'run_not_retryable',
      );
    }
    return this.startRun(p, id, run.id);
  }

  /** Marks an active run cancelled; its runner stops the running sync job within a poll interval. */
  async cancel(p: Principal, id: string, runId: string): Promise<PipelineRunDto> {
    const run = await this.requireRun(p.orgId, id, runId);
    const ok = await this.repo.updateActiveRun(run.id, {
      status: 'cancelled',
      finishedAt: new Date(),
      error: { code: 'cancelled', message: 'Cancelled by a user' },
    });
    if (!ok) {
      throw new ConflictException(`The run already ${run.status}`, { status: run.status }, 'run_not_active');
    }
    return toRunDto((await this.repo.findRun(p.orgId, id, runId))!);
  }

  async listRuns(p: Principal, id: string, q: PageQuery): Promise<Page<PipelineRunDto>> {
    await this.pipelineOf(p.orgId, id);
    return this.repo.listRuns(p.orgId, id, q, toRunDto);
  }

  async getRun(p: Principal, id: string, runId: string): Promise<PipelineRunDto> {
    return toRunDto(await this.requireRun(p.orgId, id, runId));
  }

  async revert(p: Principal, id: string, toRunId: string): Promise<RevertResultDto> {
    const pipeline = await this.pipelineOf(p.orgId, id);
    const target = await this.requireRun(p.orgId, id, toRunId);
    if (target.status !== 'succeeded' || !target.finishedAt) {
      throw new ConflictException(
        'Only a succeeded run can be reverted to',
        { status: target.status },
        'run_not_revertible',
      );
    }
    if (target.finishedAt.getTime() < Date.now() - pipeline.retentionDays * DAY_MS) {
      throw new ConflictException(
        'The run is older than the retention window',
        { retention_days: pipeline.retentionDays },
        'revert_window_expired',
      );
    }
    const active = await this.repo.activeRun(p.orgId, id);
    if (active) {
      throw new ConflictException('The pipeline has an active run', { run_id: active.id }, 'run_in_progress');
    }
    const sourceIds = new Set(target.steps.map((s) => s.source_id));
    for (const later of await this.repo.runsFinishedAfter(p.orgId, id, target.finishedAt)) {
      later.steps.forEach((s) => sourceIds.add(s.source_id));
    }
    const result = { pipeline_id: id, to_run_id: toRunId, restored: 0, archived: 0 };
    for (const sourceId of sourceIds) {
      const c = await this.graph.revertSource(p.orgId, sourceId, target.finishedAt.getTime());
      result.restored += c.restored;
      result.archived += c.archived;
    }
    return result;
  }

  private async pipelineOf(orgId: string, id: string): Promise<PipelineEntity> {
    const e = await this.repo.findPipeline(orgId, id);
    if (!e) {
      throw new NotFoundException('Pipeline');
    }
    return e;
  }

  private async requireRun(orgId: string, id: string, runId: string): Promise<PipelineRunEntity> {
    await this.pipelineOf(orgId, id);
    const run = await this.repo.findRun(orgId, id, runId);
    if (!run) {
      throw new NotFoundException('Pipeline run');
    }
    return run;
  }

  private async checkSteps(orgId: string, steps: PipelineStepDto[]): Promise<void> {
    const ids = steps.map((s) => s.source_id);
    const known = await this.sources.describeSources(orgId, ids);
    const unknown = ids.map((sid, i) => ({ sid, i })).filter(({ sid }) => !known.has(sid));
    if (unknown.length) {
      throw new ValidationException('Unknown source in steps', {
        fields: unknown.map(({ i }) => ({ field: `steps.${i}.source_id`, message: 'unknown source' })),
      });
    }
  }

  private checkSchedule(schedule: string): string {
    if (schedule === 'manual') {
      return schedule;
    }
    try {
      if (schedule.trim().split(/\s+/).length !== 5) {
        throw new Error('5 fields');
      }
      parseExpression(schedule, { utc: true });
    } catch {
      throw new ValidationException('Invalid schedule', {
        fields: [{ field: 'schedule', message: '`manual` or a 5-field cron expression' }],
      });
    }
    return schedule;
  }
}
