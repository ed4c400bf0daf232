import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { assertConfigShape } from '@libs/connectors/config-validation';
import { ConnectorConfigError, type GraphEdgeInput, type GraphNodeInput } from '@libs/connectors/connector';
import { findEgressError } from '@libs/egress/egress.errors';
import { AppException, ForbiddenException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { GraphWriteError, GraphWriter, type WriteScope } from '@libs/graph/graph-writer';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import { INGEST_ATTEMPTS, IngestWorker, type IngestJobPayload } from '@libs/queue';
import { EventBus } from '@libs/redis/event-bus.service';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { SourceRuntime } from './source-runtime.service';
import { toJobDto } from './sources.mappers';
import { SourcesRepository } from './sources.repository';
import { runValidation } from './sources.service';
import { emptyStats, type JobStats, type SyncJobEntity } from './sync-job.entity';
import { jobRealmScope } from './sync-realm';
import { cancelChannel, cancelKey } from './sync.service';

class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ServiceUnavailable',
  'SessionExpired',
]);

/** Retry only what may succeed later: unreachable upstreams, network blips, Neo4j transient errors. */
export function isTransient(err: unknown): boolean {
  if (findEgressError(err)) {
    return false;
  }
  if (err instanceof ConnectorConfigError) {
    return err.kind === 'unreachable';
  }
  if (err instanceof AppException) {
    return err.status === 422 && (err.details as { kind?: string } | undefined)?.kind === 'unreachable';
  }
  if (err instanceof GraphWriteError) {
    return false;
  }
  const e = err as { code?: string; retriable?: boolean };
  if (typeof e?.code === 'string' && (TRANSIENT_CODES.has(e.code) || e.code.startsWith('Neo.TransientError'))) {
    return true;
  }
  return e?.retriable === true;
}

function errorInfo(err: unknown): { code: string; message: string; details?: Record<string, unknown> } {
  err = findEgressError(err) ?? err;
  if (err instanceof ConnectorConfigError) {
    return {
      code: err.kind === 'shape' ? 'invalid_config' : 'source_validation_failed',
      message: err.message,
      details: { kind: err.kind, ...err.details },
    };
  }
  if (err instanceof AppException) {
    return { code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof GraphWriteError) {
    return { code: 'graph_write_failed', message: err.message };
  }
  const e = err as { code?: string; message?: string };
  return {
    code: 'ingest_failed',
    message: e?.message ?? String(err),
    details: e?.code ? { cause_code: e.code } : undefined,
  };
}

/**
 * Runs one sync job: re-validate, stream batches into staging, commit atomically, archive orphans,
 * publish events. Runs inside the BullMQ worker (API process unless INGEST_RUN_IN_API=false, and
 * src/worker.ts).
 */
@Injectable()
export class IngestRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IngestRunner.name);
  private worker?: IngestWorker;

  constructor(
    private readonly repo: SourcesRepository,
    private readonly runtime: SourceRuntime,
    private readonly writer: GraphWriter,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly bus: EventBus,
    private readonly orgs: OrgsRepository,
    private readonly events: OrgEvents,
    @Optional() private readonly queueMetrics?: QueueMetrics,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.ingestRunInApi) {
      return;
    }
    this.worker = new IngestWorker(
      this.redis,
      this.config,
      (payload, job) => this.run(payload, job),
      this.queueMetrics,
    );
    this.worker.start();
    void this.writer.sweepStale().catch((err) => this.logger.warn(`staging sweep failed: ${(err as Error).message}`));
  }

  async onModuleDestroy() {
    await this.worker?.stop();
  }

  private async isCancelled(jobId: string): Promise<boolean> {
    return (await this.redis.client.exists(cancelKey(this.redis, jobId))) === 1;
  }

  /**
   * `bullJob` gives the attempt (BullMQ's job, or the attempt counts of a worker daemon's job: the
   * worker daemon calls this for `source.sync` worker jobs, docs/workers.md).
   */
  async run(
    payload: IngestJobPayload,
    bullJob?: Pick<Job<IngestJobPayload>, 'attemptsMade' | 'opts'>,
  ): Promise<Record<string, unknown>> {
    const { jobId, orgId, sourceId } = payload;
    const job = await this.repo.findJobById(jobId);
    if (!job || job.orgId !== orgId || job.sourceId !== sourceId) {
      return { skipped: 'job_not_found' };
    }
    if (!['queued', 'validating', 'running'].includes(job.status)) {
      return { skipped: job.status };
    }
    const attempt = (bullJob?.attemptsMade ?? 0) + 1;
    const maxAttempts = bullJob?.opts.attempts ?? INGEST_ATTEMPTS;
    const source = await this.repo.findSourceById(sourceId);
    if (!source || source.orgId !== orgId) {
      await this.finishFailed(job, { code: 'source_deleted', message: 'The source was deleted' });
      return { skipped: 'source_deleted' };
    }
    const orgDisabled = () =>
      new ForbiddenException('The organization is disabled', { reason: 'org_disabled' }, 'org_disabled');
    // queued before the org was disabled (or scheduled by an older replica): nothing runs for it
    if (!(await this.orgs.isActive(orgId))) {
      const err = orgDisabled();
      await this.finishFailed(job, { code: err.code, message: err.message, details: err.details });
      return { skipped: 'org_disabled' };
    }
    // a pipeline step's job writes the pipeline's realm (job.realm); see sync-realm.ts
    const overridden = Boolean(job.realm && job.realm !== source.realm);
    const realmScope = jobRealmScope(
      source.realm,
      job.realm,
      overridden ? [] : await this.repo.overrideRealms(orgId, sourceId),
    );
    const ac = new AbortController();
    const unsubscribe = await this.bus.subscribe(cancelChannel(jobId), () => ac.abort()).catch(() => undefined);
    const scope: WriteScope = { orgId, sourceId, realm: realmScope.realm, jobId };
    const stats: JobStats = emptyStats();
    const checkCancel = async () => {
      if (ac.signal.aborted || (await this.isCancelled(jobId))) {
        ac.abort();
        throw new CancelledError();
      }
      // disabled mid-run: stop before the next batch; staged data is discarded, nothing is published
      if (!(await this.orgs.isActive(orgId))) {
        ac.abort();
        throw orgDisabled();
      }
    };
    try {
      await checkCancel();
      // a re-delivered job (stalled worker, retry) starts from a clean staging area
      await this.writer.discard(jobId);
      await this.repo.transitionJob(jobId, ['queued', 'validating', 'running'], {
        status: 'validating',
        startedAt: new Date(),
        attempts: attempt,
        stats,
      });
      await this.events.publish(orgId, 'job.progress', {
        job_id: jobId,
        source_id: sourceId,
        status: 'validating',
        attempt,
        stats,
      });
      const def = this.runtime.definition(source);
      if (!def || typeof def.ingest !== 'function') {
        throw new ConnectorConfigError('shape', `Connector "${source.sourceType}" is not available for ingestion`);
      }
      const ctx = this.runtime.contextFor(source, ac.signal, job.configOverrides);
      // every run re-validates; an invalid config never starts writing
      assertConfigShape(def, ctx.config);
      await runValidation(def, () => ctx);
      await checkCancel();
      await this.repo.transitionJob(jobId, ['validating'], { status: 'running' });
      await this.events.publish(orgId, 'job.progress', {
        job_id: jobId,
        source_id: sourceId,
        status: 'running',
        stats,
      });
      const size = this.config.ingestBatchSize;
      for await (const batch of def.ingest(ctx)) {
        await checkCancel();
        const nodes: GraphNodeInput[] = batch.nodes ?? [];
        const edges: GraphEdgeInput[] = batch.edges ?? [];
        for (let i = 0; i < Math.max(nodes.length, edges.length); i += size) {
          const r = await this.writer.stage(scope, nodes.slice(i, i + size), edges.slice(i, i + size));
          stats.nodes_staged += r.nodes;
          stats.edges_staged += r.edges;
          stats.batches++;
        }
        await this.repo.updateJob(jobId, { stats });
        await this.events.publish(orgId, 'job.progress', {
          job_id: jobId,
          source_id: sourceId,
          status: 'running',
          stats,
        });
      }
      await checkCancel();
      const res = await this.writer.commit(scope, {
        archive: job.mode === 'full',
        archiveRealms: realmScope.archiveRealms,
        atomicMaxRows: this.config.ingestAtomicMaxRows,
        batchSize: Math.max(size, 500),
      });
      stats.atomic_publish = res.atomic;
      stats.nodes_written = res.nodesWritten;
      stats.edges_written = res.edgesWritten;
      stats.edges_skipped = res.edgesSkipped;
      stats.nodes_archived = res.nodesArchived;
      stats.edges_archived = res.edgesArchived;
      stats.archived = res.nodesArchived + res.edgesArchived;
      const finishedAt = new Date();
      await this.repo.transitionJob(jobId, ['running', 'validating', 'queued'], {
        status: 'succeeded',
        finishedAt,
        stats,
        error: null,
      });
      await this.repo.setSourceStatus(orgId, sourceId, {
        status: source.enabled ? 'ready' : 'disabled',
        statusDetail: { last_success_at: finishedAt.toISOString() },
      });
      const done = await this.repo.findJobById(jobId);
      await this.events.publish(orgId, 'job.completed', {
        job: done ? toJobDto(done, source.name) : { id: jobId },
        source_id: sourceId,
      });
      await this.events.publish(orgId, 'graph.changed', {
        source_id: sourceId,
        realm: realmScope.realm,
        job_id: jobId,
        nodes_written: stats.nodes_written,
        edges_written: stats.edges_written,
        archived: stats.archived,
      });
      return { ...stats };
    } catch (err) {
      await this.writer
        .discard(jobId)
        .catch((e) => this.logger.warn(`discarding staging of ${jobId} failed: ${(e as Error).message}`));
      if (err instanceof CancelledError || (ac.signal.aborted && (await this.isCancelled(jobId)))) {
        const ok = await this.repo.transitionJob(jobId, ['queued', 'validating', 'running'], {
          status: 'cancelled',
          finishedAt: new Date(),
          stats,
          error: { code: 'cancelled', message: 'Cancelled while running' },
        });
        if (ok) {
          await this.repo.setSourceStatus(orgId, sourceId, { status: source.enabled ? 'ready' : 'disabled' });
          const cur = await this.repo.findJobById(jobId);
          await this.events.publish(orgId, 'job.cancelled', {
            job: cur ? toJobDto(cur, source.name) : { id: jobId },
            source_id: sourceId,
          });
        }
        return { cancelled: true };
      }
      const info = errorInfo(err);
      stats.errors++;
      const transient = isTransient(err);
      if (transient && attempt < maxAttempts) {
        await this.repo.transitionJob(jobId, ['queued', 'validating', 'running'], {
          status: 'queued',
          stats,
          error: { ...info, details: { ...(info.details ?? {}), attempt, will_retry: true } },
        });
        await this.events.publish(orgId, 'job.progress', {
          job_id: jobId,
          source_id: sourceId,
          status: 'queued',
          retry: attempt,
          error: info,
        });
        throw err;
      }
      await this.finishFailed(job, info, stats, source.name);
      if (transient) {
        throw err;
      }
      throw new UnrecoverableError(info.message);
    } finally {
      await unsubscribe?.().catch(() => undefined);
      await this.redis.client.del(cancelKey(this.redis, jobId)).catch(() => undefined);
    }
  }

  private async finishFailed(
    job: SyncJobEntity,
    error: { code: string; message: string; details?: Record<string, unknown> },
    stats?: JobStats,
    sourceName?: string,
  ) {
    const ok = await this.repo.transitionJob(job.id, ['queued', 'validating', 'running'], {
      status: 'failed',
      finishedAt: new Date(),
      error,
      ...(stats ? { stats } : {}),
    });
    if (!ok) {
      return;
    }
    await this.repo.setSourceStatus(job.orgId, job.sourceId, {
      status: 'error',
      statusDetail: { last_error: error, failed_at: new Date().toISOString() },
    });
    await this.audit.record({
      orgId: job.orgId,
      category: 'connectors',
      action: 'sources.sync.failed',
      result: 'failure',
      actor: null,
      target: { type: 'sync_job', id: job.id, source_id: job.sourceId, source_name: sourceName ?? null },
      details: { error },
    });
    const cur = await this.repo.findJobById(job.id);
    await this.events.publish(job.orgId, 'job.failed', {
      job: cur ? toJobDto(cur, sourceName ?? null) : { id: job.id },
      source_id: job.sourceId,
      error,
    });
  }
}
