import { AppConfig } from '@libs/config';
import { OrgEvents } from '@libs/events';
import { Injectable, Logger } from '@nestjs/common';
import { SourcesService } from '../sources/sources.service';
import { SyncService, type SyncActor } from '../sources/sync.service';
import { PipelineGraphRepository } from './pipeline-graph.repository';
import type { PipelineRunEntity, RunStatus } from './pipeline.entity';
import { toRunDto } from './pipelines.mappers';
import { PipelinesRepository } from './pipelines.repository';

const FINISHED_JOB = new Set(['succeeded', 'failed', 'cancelled']);

/** The run was cancelled (its row left the active states) while the runner worked on it. */
class RunCancelled extends Error {}
const POLL_MS = 250;
const DAY_MS = 86_400_000;

/**
 * Executes a run detached from the request: each step starts its source's sync job (trigger
 * `pipeline`, with the step's config overrides and the pipeline's realm for that job only) and
 * waits for it; the first failed step fails the run, and what the run's earlier steps published is
 * rolled back in the pipeline's realm (spec: "failed — nothing is published; the previous snapshot
 * stays current"). Every state change is published as `pipeline_run.updated`; a finished run
 * prunes the pipeline's old runs (PIPELINE_RUN_RETENTION_*).
 */
@Injectable()
export class PipelineRunner {
  private readonly logger = new Logger(PipelineRunner.name);

  constructor(
    private readonly repo: PipelinesRepository,
    private readonly sources: SourcesService,
    private readonly sync: SyncService,
    private readonly events: OrgEvents,
    private readonly graph: PipelineGraphRepository,
    private readonly config: AppConfig,
  ) {}

  start(run: PipelineRunEntity, actor: SyncActor | null): void {
    void this.execute(run, actor).catch((err: Error) => {
      if (err instanceof RunCancelled) {
        return this.stopCancelled(run, actor);
      }
      this.logger.error(`pipeline run ${run.id} crashed: ${err.message}`);
      void this.finish(run, 'failed', { code: 'internal_error', message: err.message }).catch(() => undefined);
    });
  }

  private async execute(run: PipelineRunEntity, actor: SyncActor | null): Promise<void> {
    const realm = await this.realmOf(run);
    for (const step of run.steps) {
      const source = await this.sources.requireSource(run.orgId, step.source_id).catch(() => null);
      if (!source || !source.enabled) {
        step.status = 'failed';
        step.error = { code: 'source_unavailable', message: 'The source is missing or disabled' };
        return this.finish(run, 'failed', step.error);
      }
    }
    await this.update(run, { status: 'running', startedAt: new Date() });
    for (const step of run.steps) {
      step.status = 'running';
      await this.update(run, {});
      const source = await this.sources.requireSource(run.orgId, step.source_id);
      let job;
      try {
        // every node the step writes gets the pipeline's realm (spec: "target realm"), for this job only
        job = await this.sync.start(source, actor, {
          trigger: 'pipeline',
          configOverrides: step.config_overrides,
          realm,
        });
      } catch (err) {
        const e = err as { code?: string; message: string };
        step.status = 'failed';
        step.error = { code: e.code ?? 'sync_not_started', message: e.message };
        return this.finish(run, 'failed', step.error);
      }
      step.job_id = job.id;
      await this.update(run, {});
      while (!FINISHED_JOB.has(job.status)) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        const current = await this.repo.findRunById(run.orgId, run.id);
        if (current?.status === 'cancelled') {
          throw new RunCancelled();
        }
        job = await this.sync.getJob(run.orgId, job.id);
      }
      step.stats = { ...job.stats };
      if (job.status !== 'succeeded') {
        step.status = 'failed';
        step.error = { code: job.error?.code ?? `job_${job.status}`, message: job.error?.message ?? job.status };
        return this.finish(run, 'failed', step.error);
      }
      step.status = 'succeeded';
      await this.update(run, {});
    }
    await this.update(run, { status: 'finalizing' });
    await this.finish(run, 'succeeded', null);
  }

  private async finish(run: PipelineRunEntity, status: RunStatus, error: { code: string; message: string } | null) {
    for (const s of run.steps) {
      if (s.status === 'pending') {
        s.status = 'skipped';
      }
    }
    const stats: Record<string, number> = {};
    for (const s of run.steps) {
      for (const [k, v] of Object.entries(s.stats ?? {})) {
        if (typeof v === 'number') {
          stats[k] = (stats[k] ?? 0) + v;
        }
      }
    }
    if (status === 'failed') {
      await this.rollBack(run, stats);
    }
    await this.update(run, { status, error, stats, finishedAt: new Date() });
    await this.prune(run.pipelineId);
  }

  /**
   * A failed run publishes nothing: the graph of every source whose step succeeded earlier in this
   * run goes back to its state when the run started (the revert machinery: nodes/edges this run
   * created are archived, those it archived come back). Property values rewritten by those steps
   * keep their new value (the graph keeps no property history).
   */
  private async rollBack(run: PipelineRunEntity, stats: Record<string, number>): Promise<void> {
    const cutoff = (run.startedAt ?? run.createdAt ?? new Date()).getTime() - 1;
    const done = new Set(run.steps.filter((s) => s.status === 'succeeded').map((s) => s.source_id));
    if (!done.size) {
      return;
    }
    stats.rolled_back_restored = 0;
    stats.rolled_back_archived = 0;
    const realm = await this.realmOf(run);
    for (const sourceId of done) {
      try {
        const c = await this.graph.revertSource(run.orgId, sourceId, realm, cutoff);
        stats.rolled_back_restored += c.restored;
        stats.rolled_back_archived += c.archived;
      } catch (err) {
        this.logger.error(`pipeline run ${run.id}: rollback of source ${sourceId} failed: ${(err as Error).message}`);
      }
    }
  }

  /** The pipeline's target realm (immutable after create; a pipeline with an active run cannot be deleted). */
  private async realmOf(run: PipelineRunEntity): Promise<string> {
    return (await this.repo.findPipeline(run.orgId, run.pipelineId))?.realm ?? 'default';
  }

  /** Run retention: finished runs beyond PIPELINE_RUN_RETENTION_MAX or older than PIPELINE_RUN_RETENTION_DAYS. */
  async prune(pipelineId: string | null): Promise<number> {
    const { max, days } = this.config.pipelineRunRetention;
    try {
      return await this.repo.pruneRuns(pipelineId, max, new Date(Date.now() - days * DAY_MS));
    } catch (err) {
      this.logger.warn(`pruning pipeline runs failed: ${(err as Error).message}`);
      return 0;
    }
  }

  /** Cancels the sync job of the step that was running and records the steps' final state. */
  private async stopCancelled(run: PipelineRunEntity, actor: SyncActor | null): Promise<void> {
    const step = run.steps.find((s) => s.status === 'running');
    if (step?.job_id) {
      await this.sync
        .cancel(run.orgId, step.source_id, step.job_id, actor ?? { userId: 'system' })
        .catch(() => undefined);
    }
    for (const s of run.steps) {
      if (s.status === 'pending' || s.status === 'running') {
        s.status = 'skipped';
      }
    }
    await this.repo.updateRun(run.id, { steps: run.steps });
    await this.publish((await this.repo.findRunById(run.orgId, run.id)) ?? run);
    await this.prune(run.pipelineId);
  }

  private async update(run: PipelineRunEntity, patch: Partial<PipelineRunEntity>): Promise<void> {
    Object.assign(run, patch);
    if (!(await this.repo.updateActiveRun(run.id, { ...patch, steps: run.steps }))) {
      throw new RunCancelled();
    }
    await this.publish(run);
  }

  private async publish(run: PipelineRunEntity): Promise<void> {
    await this.events.publish(run.orgId, 'pipeline_run.updated', {
      run_id: run.id,
      pipeline_id: run.pipelineId,
      status: run.status,
      run: toRunDto(run),
    });
  }
}
