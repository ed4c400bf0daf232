import { AuditService } from '@libs/audit';
import { assertConfigShape } from '@libs/connectors/config-validation';
import { ConflictException, NotFoundException, ServiceUnavailableException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { paginateArray, type Page, type PageQuery } from '@libs/pagination';
import { IngestQueue } from '@libs/queue/ingest-queue.service';
import { INGEST_ATTEMPTS } from '@libs/queue/queue.constants';
import { EventBus } from '@libs/redis/event-bus.service';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { WorkerJobsContract } from '../workers/worker-jobs.contract';
import type { HistoryDayDto, JobDto, SyncHistoryDto } from './dto/source-response.dto';
import { applyConfigOverrides } from './source-config';
import { SourceRuntime } from './source-runtime.service';
import type { SourceEntity } from './source.entity';
import { toJobDto } from './sources.mappers';
import { SourcesRepository, type JobFilter } from './sources.repository';
import { ACTIVE_JOB_STATUSES, emptyStats, type JobTrigger, type SyncJobEntity } from './sync-job.entity';

export interface SyncActor {
  userId: string;
  email?: string;
  apiKeyId?: string;
}

export function cancelKey(redis: RedisService, jobId: string) {
  return redis.key('ingest', 'cancel', jobId);
}
export const cancelChannel = (jobId: string) => `ingest:cancel:${jobId}`;

/** Starting, cancelling and reading sync jobs (the runner lives in IngestRunner). */
@Injectable()
export class SyncService implements OnModuleInit {
  private readonly logger = new Logger(SyncService.name);

  constructor(
    private readonly repo: SourcesRepository,
    private readonly queue: IngestQueue,
    private readonly runtime: SourceRuntime,
    private readonly audit: AuditService,
    private readonly redis: RedisService,
    private readonly bus: EventBus,
    private readonly events: OrgEvents,
    private readonly workerJobs: WorkerJobsContract,
  ) {}

  onModuleInit() {
    // a sync run on worker daemons whose worker job died (attempts used up without an outcome) fails
    this.events.onPublish(async (orgId, event) => {
      if (event.type === 'worker_job.dead') {
        const data = event.data as { kind?: string; ref?: string | null; job_id?: string };
        if (data.kind === 'source.sync' && data.ref) {
          await this.failDeadWorkerJob(orgId, data.ref, data.job_id ?? '');
        }
      }
    });
  }

  private async failDeadWorkerJob(orgId: string, syncJobId: string, workerJobId: string) {
    const error = {
      code: 'worker_job_dead',
      message: 'The worker job of this sync used up its attempts (worker lost or lease expired)',
      details: { worker_job_id: workerJobId },
    };
    const job = await this.repo.findJob(orgId, syncJobId);
    if (
      !job ||
      !(await this.repo.transitionJob(job.id, ['queued', 'validating', 'running'], {
        status: 'failed',
        finishedAt: new Date(),
        error,
      }))
    ) {
      return;
    }
    await this.repo.setSourceStatus(orgId, job.sourceId, {
      status: 'error',
      statusDetail: { last_error: error, failed_at: new Date().toISOString() },
    });
    const cur = await this.repo.findJob(orgId, job.id);
    await this.events.publish(orgId, 'job.failed', { job: toJobDto(cur ?? job), source_id: job.sourceId, error });
  }

  async start(
    source: SourceEntity,
    actor: SyncActor | null,
    opts: {
      mode?: 'full' | 'incremental';
      trigger?: JobTrigger;
      requestId?: string;
      ip?: string;
      /** a pipeline step's overrides, for this job only (checked by `checkConfigOverrides`) */
      configOverrides?: Record<string, unknown>;
      /** a pipeline's target realm: this job's nodes and edges get it instead of the source's realm */
      realm?: string;
    } = {},
  ): Promise<JobDto> {
    if (!source.enabled) {
      throw new ConflictException('The source is disabled', { source_id: source.id }, 'source_disabled');
    }
    const def = this.runtime.definition(source);
    if (!def) {
      throw new ConflictException(
        `Connector "${source.sourceType}" is not enabled on this server`,
        { source_type: source.sourceType },
        'connector_disabled',
      );
    }
    if (typeof def.ingest !== 'function') {
      throw new ConflictException(
        `Connector "${source.sourceType}" does not ingest (tools only)`,
        { source_type: source.sourceType },
        'ingest_not_supported',
      );
    }
    const overrides = opts.configOverrides && Object.keys(opts.configOverrides).length ? opts.configOverrides : null;
    if (overrides) {
      this.checkConfigOverrides(source, overrides);
    }
    const realm = opts.realm && opts.realm !== source.realm ? opts.realm : null;
    const supportsIncremental = Boolean((def as { supportsIncremental?: boolean }).supportsIncremental);
    const requested = opts.mode ?? source.syncMode ?? 'full';
    const mode = requested === 'incremental' && supportsIncremental ? 'incremental' : 'full';
    // features.workers on: the run goes to a worker daemon (503 worker_unavailable when none is alive)
    const viaWorkers = await this.workerJobs.route(source.orgId, 'ingest');
    const job = await this.repo.insertJob({
      orgId: source.orgId,
      sourceId: source.id,
      mode,
      status: 'queued',
      trigger: opts.trigger ?? 'manual',
      requestedBy: actor?.userId ?? null,
      stats: emptyStats(),
      configOverrides: overrides,
      realm,
      queuedAt: new Date(),
    });
    await this.repo.setSourceStatus(source.orgId, source.id, { status: 'syncing', lastJobId: job.id });
    try {
      if (viaWorkers) {
        await this.workerJobs.enqueue({
          orgId: source.orgId,
          queue: 'ingest',
          kind: 'source.sync',
          payload: { source_id: source.id, sync_job_id: job.id },
          ref: job.id,
          maxAttempts: INGEST_ATTEMPTS,
        });
      } else {
        await this.queue.enqueue({ jobId: job.id, orgId: source.orgId, sourceId: source.id });
      }
    } catch (err) {
      await this.repo.transitionJob(job.id, ['queued'], {
        status: 'failed',
        finishedAt: new Date(),
        error: { code: 'queue_unavailable', message: (err as Error).message },
      });
      await this.repo.setSourceStatus(source.orgId, source.id, { status: 'error' });
      throw new ServiceUnavailableException('The ingestion queue is unavailable', {}, 'sidecar_unavailable');
    }
    await this.audit.record({
      orgId: source.orgId,
      category: 'connectors',
      action: 'sources.sync',
      result: 'success',
      actor: actor ? { userId: actor.userId, email: actor.email ?? '', apiKeyId: actor.apiKeyId } : null,
      target: { type: 'source', id: source.id, name: source.name, job_id: job.id },
      details: {
        mode,
        trigger: job.trigger,
        ...(overrides ? { config_overrides: overrides } : {}),
        ...(realm ? { realm } : {}),
      },
      requestId: opts.requestId,
      ip: opts.ip,
    });
    const dto = toJobDto(job);
    await this.events.publish(source.orgId, 'job.queued', {
      job: dto,
      source_id: source.id,
      source_name: source.name,
    });
    return dto;
  }

  /**
   * Checks a pipeline step's config overrides against the source's connector: only non-secret
   * schema properties (`applyConfigOverrides`), and the merged config must match the config schema.
   * 400 `validation_failed` with `details.fields[]` otherwise. Reachability is not probed here: the
   * job's validate step and the egress guard judge the overridden destination when it runs.
   */
  checkConfigOverrides(source: SourceEntity, overrides: Record<string, unknown>): void {
    const def = this.runtime.requireDefinition(source);
    const { config } = applyConfigOverrides(def, this.runtime.fullConfig(source), overrides);
    assertConfigShape(def, config);
  }

  async cancel(orgId: string, sourceId: string | undefined, jobId: string, actor: SyncActor): Promise<JobDto> {
    const job = await this.repo.findJob(orgId, jobId, sourceId);
    if (!job) {
      throw new NotFoundException('Job');
    }
    if (!ACTIVE_JOB_STATUSES.includes(job.status)) {
      throw new ConflictException(`The job already ${job.status}`, { status: job.status }, 'job_not_active');
    }
    if (job.status === 'queued' && (await this.removeIfWaiting(orgId, job.id))) {
      if (
        await this.repo.transitionJob(job.id, ['queued'], {
          status: 'cancelled',
          finishedAt: new Date(),
          error: { code: 'cancelled', message: 'Cancelled before it started' },
        })
      ) {
        await this.afterCancel(orgId, job, actor);
      }
    } else {
      // running (or being picked up): flag it; the runner stops at the next batch and discards its staging data
      await this.redis.client.set(cancelKey(this.redis, job.id), actor.userId, 'EX', 3600);
      await this.bus.publish(cancelChannel(job.id), { job_id: job.id });
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const cur = await this.repo.findJob(orgId, jobId);
        if (!cur || !ACTIVE_JOB_STATUSES.includes(cur.status)) {
          break;
        }
        // a job bounced back to the delayed set (fair-slot wait, retry backoff) can be removed now
        if (cur.status === 'queued' && (await this.removeIfWaiting(orgId, cur.id))) {
          if (
            await this.repo.transitionJob(cur.id, ['queued'], {
              status: 'cancelled',
              finishedAt: new Date(),
              error: { code: 'cancelled', message: 'Cancelled before it started' },
            })
          ) {
            await this.redis.client.del(cancelKey(this.redis, cur.id));
            await this.afterCancel(orgId, cur, actor);
            return toJobDto((await this.repo.findJob(orgId, jobId)) ?? cur);
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await this.audit.record({
        orgId,
        category: 'connectors',
        action: 'sources.sync.cancel',
        result: 'success',
        actor: { userId: actor.userId, email: actor.email ?? '', apiKeyId: actor.apiKeyId },
        target: { type: 'sync_job', id: job.id, source_id: job.sourceId },
      });
    }
    const fresh = await this.repo.findJob(orgId, jobId);
    return toJobDto(fresh ?? job);
  }

  /** Removes a sync that has not started from the BullMQ queue or the worker queue. */
  private async removeIfWaiting(orgId: string, jobId: string): Promise<boolean> {
    return (await this.queue.removeIfWaiting(jobId)) || (await this.workerJobs.cancelQueued(orgId, jobId));
  }

  private async afterCancel(orgId: string, job: SyncJobEntity, actor: SyncActor) {
    const source = await this.repo.findSource(orgId, job.sourceId);
    if (source && source.status === 'syncing') {
      await this.repo.setSourceStatus(orgId, job.sourceId, { status: source.enabled ? 'ready' : 'disabled' });
    }
    await this.audit.record({
      orgId,
      category: 'connectors',
      action: 'sources.sync.cancel',
      result: 'success',
      actor: { userId: actor.userId, email: actor.email ?? '', apiKeyId: actor.apiKeyId },
      target: { type: 'sync_job', id: job.id, source_id: job.sourceId },
    });
    const fresh = await this.repo.findJob(orgId, job.id);
    await this.events.publish(orgId, 'job.cancelled', { job: toJobDto(fresh ?? job), source_id: job.sourceId });
  }

  async getJob(orgId: string, jobId: string, sourceId?: string): Promise<JobDto> {
    const job = await this.repo.findJob(orgId, jobId, sourceId);
    if (!job) {
      throw new NotFoundException('Job');
    }
    const source = await this.repo.findSource(orgId, job.sourceId);
    return toJobDto(job, source?.name ?? null);
  }

  async listJobs(orgId: string, filter: JobFilter, q: PageQuery, scope = 'jobs'): Promise<Page<JobDto>> {
    const page = await this.repo.listJobs(orgId, filter, q, (j) => j, scope);
    const names = new Map<string, string>();
    for (const s of await this.repo.listAllSources(orgId)) {
      names.set(s.id, s.name);
    }
    return { ...page, items: page.items.map((j) => toJobDto(j, names.get(j.sourceId) ?? null)) };
  }

  async history(orgId: string, source: SourceEntity, q: PageQuery & { days?: number }): Promise<SyncHistoryDto> {
    const days = q.days ?? 30;
    const since = new Date(Date.now() - days * 86_400_000);
    const jobs = await this.repo.jobsSince(orgId, source.id, since);
    const byDay = new Map<string, HistoryDayDto>();
    let durationSum = 0;
    let durationN = 0;
    for (const j of jobs) {
      const date = j.createdAt.toISOString().slice(0, 10);
      const d = byDay.get(date) ?? { date, runs: 0, succeeded: 0, failed: 0, cancelled: 0, nodes_written: 0 };
      d.runs++;
      if (j.status === 'succeeded') {
        d.succeeded++;
      }
      if (j.status === 'failed') {
        d.failed++;
      }
      if (j.status === 'cancelled') {
        d.cancelled++;
      }
      d.nodes_written += j.stats?.nodes_written ?? 0;
      byDay.set(date, d);
      if (j.startedAt && j.finishedAt && j.status === 'succeeded') {
        durationSum += j.finishedAt.getTime() - j.startedAt.getTime();
        durationN++;
      }
    }
    const all = [...byDay.values()].sort((a, b) => (a.date < b.date ? 1 : -1));
    const page = paginateArray(all, q, {
      scope: `history:${source.id}:${days}`,
      key: (d) => d.date,
      id: (d) => d.date,
      map: (d) => d,
    });
    const lastSuccess = jobs.find((j) => j.status === 'succeeded');
    const lastFailure = jobs.find((j) => j.status === 'failed');
    return {
      ...page,
      summary: {
        total_runs: jobs.length,
        succeeded: jobs.filter((j) => j.status === 'succeeded').length,
        failed: jobs.filter((j) => j.status === 'failed').length,
        cancelled: jobs.filter((j) => j.status === 'cancelled').length,
        last_success_at: lastSuccess?.finishedAt?.toISOString() ?? null,
        last_failure_at: lastFailure?.finishedAt?.toISOString() ?? null,
        avg_duration_ms: durationN ? Math.round(durationSum / durationN) : null,
      },
    };
  }
}
