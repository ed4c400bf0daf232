import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { prefixedId } from '@libs/database/ids';
import { AppException, ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import type { Page, PageQuery } from '@libs/pagination';
import { PipelineScheduleQueue } from '@libs/queue/pipeline-schedule-queue';
import { Injectable, Logger } from '@nestjs/common';
import { parseExpression } from 'cron-parser';
import { SourcesContract } from '../sources/sources.contract';
import { SourcesService } from '../sources/sources.service';
import { SyncService, type SyncActor } from '../sources/sync.service';
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
import type { LastFire, PipelineEntity, PipelineRunEntity, RunTrigger } from './pipeline.entity';
import { toPipelineDto, toRunDto } from './pipelines.mappers';
import { PipelinesRepository } from './pipelines.repository';

const DAY_MS = 86_400_000;

/** How a run is started: by a user (manual, retry) or by a scheduled tick. */
interface RunOrigin {
  trigger: RunTrigger;
  retryOf: string | null;
  requestedBy: string | null;
  actor: SyncActor | null;
  /** schedule runs: the tick's due time */
  scheduledFor: Date | null;
}

/** `/pipelines` rules: definitions (versioned), runs (one active per pipeline), schedules, retry and revert. */
@Injectable()
export class PipelinesService {
  private readonly logger = new Logger(PipelinesService.name);

  constructor(
    private readonly repo: PipelinesRepository,
    private readonly sources: SourcesContract,
    private readonly runner: PipelineRunner,
    private readonly graph: PipelineGraphRepository,
    private readonly sourceStore: SourcesService,
    private readonly sync: SyncService,
    private readonly schedules: PipelineScheduleQueue,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly events: OrgEvents,
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
      lastFire: null,
      firesSkipped: 0,
      createdBy: p.kind === 'user' ? p.userId : null,
    });
    if (!ok) {
      throw new ConflictException('A pipeline with this name exists', { name: dto.name }, 'already_exists');
    }
    const created = (await this.repo.findPipeline(p.orgId, id))!;
    await this.syncSchedule(created);
    return this.dto(created);
  }

  async list(p: Principal, q: PageQuery): Promise<Page<PipelineDto>> {
    const page = await this.repo.listPipelines(p.orgId, q, (e) => e);
    return { ...page, items: await Promise.all(page.items.map((e) => this.dto(e))) };
  }

  async get(p: Principal, id: string): Promise<PipelineDto> {
    return this.dto(await this.pipelineOf(p.orgId, id));
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
    const updated = await this.pipelineOf(p.orgId, id);
    await this.syncSchedule(updated);
    return this.dto(updated);
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.pipelineOf(p.orgId, id);
    const active = await this.repo.activeRun(p.orgId, id);
    if (active) {
      throw new ConflictException('The pipeline has an active run', { run_id: active.id }, 'run_in_progress');
    }
    await this.repo.deletePipeline(p.orgId, id);
    await this.schedules.removeSchedule(id);
  }

  async startRun(p: Principal, id: string, retryOf: string | null = null): Promise<PipelineRunDto> {
    const pipeline = await this.pipelineOf(p.orgId, id);
    if (!pipeline.enabled) {
      throw new ConflictException('The pipeline is disabled', { pipeline_id: id }, 'pipeline_disabled');
    }
    const requestedBy = p.kind === 'user' ? p.userId : null;
    const res = await this.launch(pipeline, {
      trigger: retryOf ? 'retry' : 'manual',
      retryOf,
      requestedBy,
      actor: { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId },
      scheduledFor: null,
    });
    if (res.outcome !== 'inserted') {
      const active = await this.repo.activeRun(p.orgId, id);
      throw new ConflictException('The pipeline has an active run', { run_id: active?.id ?? null }, 'run_in_progress');
    }
    return toRunDto(res.run);
  }

  /**
   * A scheduled tick (PipelineScheduler): starts a `schedule` run, or records the fire as skipped
   * when a run is active (no 409: nobody is waiting for the answer). Returns the outcome.
   */
  async fireScheduled(pipeline: PipelineEntity, dueAt: number): Promise<LastFire['outcome'] | 'duplicate_tick'> {
    const due = new Date(dueAt);
    const fire = (outcome: LastFire['outcome'], runId: string | null, detail: string | null): LastFire => ({
      due_at: due.toISOString(),
      outcome,
      run_id: runId,
      detail,
    });
    if (!pipeline.enabled) {
      await this.repo.recordFire(pipeline.orgId, pipeline.id, fire('skipped_disabled', null, null), true);
      return 'skipped_disabled';
    }
    let res;
    try {
      res = await this.launch(pipeline, {
        trigger: 'schedule',
        retryOf: null,
        requestedBy: null,
        actor: null,
        scheduledFor: due,
      });
    } catch (err) {
      const message = (err as Error).message;
      await this.repo.recordFire(pipeline.orgId, pipeline.id, fire('failed', null, message), true);
      await this.recordSkip(pipeline, due, 'failed', null, message);
      return 'failed';
    }
    if (res.outcome === 'duplicate_tick') {
      // BullMQ hands each tick to one process, so this means a re-delivered tick job: recorded, never run twice
      await this.recordSkip(pipeline, due, 'duplicate_tick', null, null);
      return 'duplicate_tick';
    }
    if (res.outcome !== 'inserted') {
      const active = await this.repo.activeRun(pipeline.orgId, pipeline.id);
      const activeId = active?.id ?? null;
      await this.repo.recordFire(pipeline.orgId, pipeline.id, fire('skipped_active_run', null, activeId), true);
      await this.recordSkip(pipeline, due, 'skipped_active_run', activeId, null);
      return 'skipped_active_run';
    }
    await this.repo.recordFire(pipeline.orgId, pipeline.id, fire('started', res.run.id, null), false);
    await this.audit.record({
      orgId: pipeline.orgId,
      category: 'api',
      action: 'pipelines.run',
      result: 'success',
      actor: null,
      target: { type: 'pipeline', id: pipeline.id, run_id: res.run.id },
      details: { trigger: 'schedule', cron: pipeline.schedule, scheduled_for: due.toISOString() },
    });
    return 'started';
  }

  /** Makes the pipeline's BullMQ job scheduler match its definition (enabled + cron → upserted, else removed). */
  async syncSchedule(pipeline: PipelineEntity): Promise<void> {
    try {
      if (pipeline.enabled && pipeline.schedule !== 'manual') {
        await this.schedules.upsertSchedule(pipeline.id, pipeline.orgId, pipeline.schedule);
      } else {
        await this.schedules.removeSchedule(pipeline.id);
      }
    } catch (err) {
      this.logger.error(`pipeline ${pipeline.id}: schedule not synced: ${(err as Error).message}`);
      throw new AppException(503, 'queue_unavailable', 'The scheduler is unavailable; the schedule was not updated', {
        pipeline_id: pipeline.id,
      });
    }
  }

  private async recordSkip(
    pipeline: PipelineEntity,
    due: Date,
    outcome: LastFire['outcome'] | 'duplicate_tick',
    activeRunId: string | null,
    error: string | null,
  ): Promise<void> {
    this.logger.log(`scheduled fire of pipeline ${pipeline.id} due ${due.toISOString()}: ${outcome}`);
    await this.audit.record({
      orgId: pipeline.orgId,
      category: 'api',
      action: 'pipelines.schedule_skipped',
      result: 'failure',
      actor: null,
      target: { type: 'pipeline', id: pipeline.id, name: pipeline.name },
      details: { reason: outcome, scheduled_for: due.toISOString(), active_run_id: activeRunId, error },
    });
    await this.events.publish(pipeline.orgId, 'pipeline_run.skipped', {
      pipeline_id: pipeline.id,
      scheduled_for: due.toISOString(),
      reason: outcome,
      active_run_id: activeRunId,
    });
  }

  /** Inserts the run (one active per pipeline, one per tick) and hands it to the runner. */
  private async launch(
    pipeline: PipelineEntity,
    origin: RunOrigin,
  ): Promise<{ outcome: 'inserted'; run: PipelineRunEntity } | { outcome: 'active_run' | 'duplicate_tick' }> {
    const id = pipeline.id;
    const run: PipelineRunEntity = {
      id: prefixedId('prun'),
      pipelineId: id,
      orgId: pipeline.orgId,
      pipelineVersion: pipeline.version,
      status: 'validating',
      steps: pipeline.steps.map((s) => ({
        source_id: s.source_id,
        status: 'pending',
        job_id: null,
        stats: null,
        error: null,
        ...(s.config_overrides && Object.keys(s.config_overrides).length
          ? { config_overrides: s.config_overrides }
          : {}),
      })),
      stats: {},
      error: null,
      retryOf: origin.retryOf,
      trigger: origin.trigger,
      scheduledFor: origin.scheduledFor,
      requestedBy: origin.requestedBy,
      startedAt: null,
      finishedAt: null,
      agentCompletedAt: null,
      agentSummary: null,
      // the runner of this process executes it (docs/pipelines.md "Recovery")
      ownerInstance: this.runner.instanceId,
      createdAt: new Date(),
    };
    const release = this.runner.reserve(run.id);
    try {
      const outcome = await this.repo.insertRun(run);
      if (outcome !== 'inserted') {
        return { outcome };
      }
      const stored = (await this.repo.findRun(pipeline.orgId, id, run.id))!;
      this.runner.start(stored, origin.actor);
      return { outcome, run: stored };
    } finally {
      release();
    }
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
      const c = await this.graph.revertSource(p.orgId, sourceId, pipeline.realm, target.finishedAt.getTime());
      result.restored += c.restored;
      result.archived += c.archived;
    }
    return result;
  }

  /** The definition plus its schedule state (next due time from the scheduler). */
  private async dto(e: PipelineEntity): Promise<PipelineDto> {
    let next: number | null = null;
    if (e.enabled && e.schedule !== 'manual') {
      next = await this.schedules.scheduleNext(e.id).catch(() => null);
    }
    return toPipelineDto(e, next);
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
    // overrides: non-secret fields of the connector's config schema, the merged config must be valid
    const fields: { field: string; errors: string[] }[] = [];
    for (const [i, step] of steps.entries()) {
      if (!step.config_overrides || !Object.keys(step.config_overrides).length) {
        continue;
      }
      const source = await this.sourceStore.requireSource(orgId, step.source_id);
      try {
        this.sync.checkConfigOverrides(source, step.config_overrides);
      } catch (err) {
        if (!(err instanceof AppException) || err.status !== 400) {
          throw err;
        }
        const inner = (err.details as { fields?: { field: string; errors?: string[] }[] } | undefined)?.fields ?? [];
        for (const f of inner.length ? inner : [{ field: 'config', errors: [err.message] }]) {
          fields.push({
            field: `steps.${i}.config_overrides${f.field.replace(/^config/, '')}`,
            errors: f.errors ?? [err.message],
          });
        }
      }
    }
    if (fields.length) {
      throw new ValidationException('Invalid config_overrides in steps', { fields });
    }
  }

  private checkSchedule(schedule: string): string {
    if (schedule === 'manual') {
      return schedule;
    }
    try {
      const n = schedule.trim().split(/\s+/).length;
      // a leading seconds field only with TASK_CRON_SECONDS (test only, as for task schedules)
      if (n !== 5 && !(n === 6 && this.config.tasks.cronSeconds)) {
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
