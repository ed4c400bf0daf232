import { AppConfig } from '@libs/config';
import { OrgEvents } from '@libs/events';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { Injectable, Logger } from '@nestjs/common';
import type { JobDto } from '../sources/dto/source-response.dto';
import { SourcesService } from '../sources/sources.service';
import { SyncService, type SyncActor } from '../sources/sync.service';
import { PipelineGraphRepository } from './pipeline-graph.repository';
import type { PipelineRunEntity, RunStatus } from './pipeline.entity';
import { toRunDto } from './pipelines.mappers';
import { PipelinesRepository } from './pipelines.repository';

const FINISHED_JOB = new Set(['succeeded', 'failed', 'cancelled']);

/** The run was cancelled (its row left the active states) while the runner worked on it. */
class RunCancelled extends Error {}
/** Another replica's sweeper took the run over (this one was judged dead): it finishes the run. */
class RunTakenOver extends Error {}
const POLL_MS = 250;
const DAY_MS = 86_400_000;
/** How long ending an interrupted run waits for its step's sync job to stop before rolling back. */
const INTERRUPT_CANCEL_WAIT_MS = 2_000;

export const INTERRUPTED_ERROR = {
  code: 'interrupted',
  message: 'The process that ran this pipeline run stopped before the run finished',
};

/**
 * Executes a run detached from the request: each step starts its source's sync job (trigger
 * `pipeline`, with the step's config overrides and the pipeline's realm for that job only) and
 * waits for it; the first failed step fails the run, and what the run's earlier steps published is
 * rolled back in the pipeline's realm (spec: "failed — nothing is published; the previous snapshot
 * stays current"). Every state change is published as `pipeline_run.updated`; a finished run
 * prunes the pipeline's old runs (PIPELINE_RUN_RETENTION_*). A run records the replica executing it
 * (`owner_instance`, this process's `ReplicaPresence` id); a run whose replica died is ended by
 * `PipelineRunSweeper` through `endInterrupted`.
 */
@Injectable()
export class PipelineRunner {
  private readonly logger = new Logger(PipelineRunner.name);
  /** runs executing in this process, and runs being inserted here (`reserve`) */
  private readonly executing = new Set<string>();
  private readonly reserved = new Set<string>();

  constructor(
    private readonly repo: PipelinesRepository,
    private readonly sources: SourcesService,
    private readonly sync: SyncService,
    private readonly events: OrgEvents,
    private readonly graph: PipelineGraphRepository,
    private readonly config: AppConfig,
    private readonly presence: ReplicaPresence,
  ) {}

  /** This process's replica id: the `owner_instance` of the runs it starts. */
  get instanceId(): string {
    return this.presence.instanceId;
  }

  isRunningHere(runId: string): boolean {
    return this.executing.has(runId) || this.reserved.has(runId);
  }

  /**
   * Marks a run about to be inserted with this replica as owner as executing here until the
   * returned release is called (after `start`), so the sweeper never ends it in between.
   */
  reserve(runId: string): () => void {
    this.reserved.add(runId);
    return () => this.reserved.delete(runId);
  }

  start(run: PipelineRunEntity, actor: SyncActor | null): void {
    this.executing.add(run.id);
    void this.execute(run, actor)
      .catch(async (err: Error) => {
        if (err instanceof RunTakenOver || (err instanceof RunCancelled && (await this.takenOver(run)))) {
          this.logger.warn(`pipeline run ${run.id} was taken over by another replica; stopping here`);
          return;
        }
        if (err instanceof RunCancelled) {
          return this.stopCancelled(run, actor);
        }
        this.logger.error(`pipeline run ${run.id} crashed: ${err.message}`);
        await this.finish(run, 'failed', { code: 'internal_error', message: err.message });
      })
      .catch(() => undefined)
      .finally(() => this.executing.delete(run.id));
  }

  /** The run's row names another replica (a sweeper judged this one dead and claimed it). */
  private async takenOver(run: PipelineRunEntity): Promise<boolean> {
    const current = await this.repo.findRunById(run.orgId, run.id).catch(() => null);
    return Boolean(current && run.ownerInstance && current.ownerInstance !== run.ownerInstance);
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
        if (current && run.ownerInstance && current.ownerInstance !== run.ownerInstance) {
          throw new RunTakenOver();
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

  /**
   * Ends a run whose replica died (PipelineRunSweeper calls it once it has claimed the run): the
   * sync job of the step that was running is cancelled (its process is probably the dead one, so
   * the cancel flag stops it when the ingest queue re-delivers it); then the run fails as a failed
   * step fails it: `failed` with error `interrupted`, what it published rolled back (the interrupted
   * step's source too, unless its job is known to have published nothing), `pipeline_run.updated`
   * published, old runs pruned.
   */
  async endInterrupted(run: PipelineRunEntity): Promise<void> {
    const extra: string[] = [];
    const stopping: Promise<unknown>[] = [];
    for (const step of run.steps.filter((s) => s.status === 'running')) {
      const job = step.job_id ? await this.stopJob(run, step.source_id, step.job_id, stopping) : null;
      if (job?.status === 'succeeded') {
        step.status = 'succeeded';
      } else {
        step.status = 'failed';
        step.error = INTERRUPTED_ERROR;
        if (step.job_id && job?.status !== 'failed' && job?.status !== 'cancelled') {
          extra.push(step.source_id);
        }
      }
      if (job?.stats) {
        step.stats = { ...job.stats };
      }
    }
    await this.finish(run, 'failed', INTERRUPTED_ERROR, extra);
    await Promise.allSettled(stopping);
  }

  /**
   * The job's state once a cancel was asked for (if it was still active), waiting at most
   * INTERRUPT_CANCEL_WAIT_MS (the cancel goes on in `stopping`); null when unknown.
   */
  private async stopJob(
    run: PipelineRunEntity,
    sourceId: string,
    jobId: string,
    stopping: Promise<unknown>[],
  ): Promise<JobDto | null> {
    try {
      const job = await this.sync.getJob(run.orgId, jobId);
      if (FINISHED_JOB.has(job.status)) {
        return job;
      }
      const cancel = this.sync.cancel(run.orgId, sourceId, jobId, { userId: 'system' }).catch((err: Error) => {
        this.logger.warn(`pipeline run ${run.id}: cancelling job ${jobId} failed: ${err.message}`);
        return null;
      });
      stopping.push(cancel);
      const waited = await Promise.race([
        cancel,
        new Promise<null>((r) => setTimeout(() => r(null), INTERRUPT_CANCEL_WAIT_MS).unref()),
      ]);
      return waited ?? job;
    } catch (err) {
      this.logger.warn(`pipeline run ${run.id}: job ${jobId} not read: ${(err as Error).message}`);
      return null;
    }
  }

  private async finish(
    run: PipelineRunEntity,
    status: RunStatus,
    error: { code: string; message: string } | null,
    alsoRollBack: string[] = [],
  ) {
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
      await this.rollBack(run, stats, alsoRollBack);
    }
    await this.update(run, { status, error, stats, finishedAt: new Date() });
    await this.prune(run.pipelineId);
  }

  /**
   * A failed run publishes nothing: the graph of every source whose step succeeded earlier in this
   * run goes back to its state when the run started (the revert machinery: nodes/edges this run
   * created are archived, those it archived come back). Property values rewritten by those steps
   * keep their new value (the graph keeps no property history). `alsoRollBack`: sources whose step
   * may have published without the run knowing (an interrupted run's running step).
   */
  private async rollBack(run: PipelineRunEntity, stats: Record<string, number>, alsoRollBack: string[] = []) {
    const cutoff = (run.startedAt ?? run.createdAt ?? new Date()).getTime() - 1;
    const done = new Set([
      ...run.steps.filter((s) => s.status === 'succeeded').map((s) => s.source_id),
      ...alsoRollBack,
    ]);
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
    // only while the run is active and still this replica's (a sweeper may have claimed it)
    if (!(await this.repo.updateActiveRun(run.id, { ...patch, steps: run.steps }, run.ownerInstance ?? undefined))) {
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
