import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PipelineRunner } from './pipeline-runner.service';
import type { PipelineRunEntity } from './pipeline.entity';
import { PipelinesRepository } from './pipelines.repository';

/** How long shutdown waits for recoveries under way (they are repeated by another replica otherwise). */
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * Ends `/pipelines` runs whose replica is gone (docs/pipelines.md "Recovery"). A run executes
 * detached inside the process that started it and records that process (`owner_instance`, its
 * `ReplicaPresence` id); at boot and every PIPELINE_SWEEP_INTERVAL_MS this sweeper looks at the
 * active runs: a run of this deployment (same Redis prefix) whose owner's liveness key has lapsed is
 * claimed with one conditional UPDATE (owner = the dead replica → this one; of two sweepers exactly
 * one wins) and ended `failed`/`interrupted` by `PipelineRunner.endInterrupted` (sync job
 * cancelled, what the run published rolled back, `pipeline_run.updated` published). A run this
 * replica owns but does not execute (a recovery that failed half-way) is taken up again.
 */
@Injectable()
export class PipelineRunSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PipelineRunSweeper.name);
  /** runs being ended here */
  private readonly recovering = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly repo: PipelinesRepository,
    private readonly runner: PipelineRunner,
    private readonly presence: ReplicaPresence,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.config.pipelineSweepIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy() {
    this.stopped = true;
    if (this.timer) {
      clearInterval(this.timer);
    }
    if (this.recovering.size) {
      await Promise.race([
        Promise.allSettled([...this.recovering.values()]),
        new Promise((r) => setTimeout(r, SHUTDOWN_WAIT_MS).unref()),
      ]);
    }
  }

  /** One pass; returns the ids of the runs it started to end (for tests). */
  async sweep(): Promise<string[]> {
    if (this.sweeping || this.stopped) {
      return [];
    }
    this.sweeping = true;
    const taken: string[] = [];
    try {
      const orphaned = this.presence.orphanCheck();
      for (const run of await this.repo.activeOwnedRuns()) {
        if (this.stopped) {
          break;
        }
        if (await this.claim(run, orphaned)) {
          taken.push(run.id);
          this.end(run);
        }
      }
    } catch (err) {
      if (!this.stopped) {
        this.logger.warn(`pipeline run sweep failed: ${(err as Error).message}`);
      }
    } finally {
      this.sweeping = false;
    }
    return taken;
  }

  /**
   * Whether this replica ends `run` now: same deployment, not executing or being ended here, its
   * owner dead (one liveness read per owner and pass), and the conditional claim won. A run this
   * replica owns and does not execute is its own to end (no claim needed).
   */
  private async claim(run: PipelineRunEntity, orphaned: (owner: string | null) => Promise<boolean>): Promise<boolean> {
    const owner = run.ownerInstance;
    if (!owner || this.recovering.has(run.id)) {
      return false;
    }
    const me = this.presence.instanceId;
    if (owner === me) {
      return !this.runner.isRunningHere(run.id);
    }
    if (!(await orphaned(owner)) || !(await this.repo.claimRun(run.id, owner, me))) {
      return false;
    }
    this.logger.warn(`pipeline run ${run.id}: its replica ${owner} is gone; ending it failed/interrupted`);
    return true;
  }

  private end(run: PipelineRunEntity): void {
    const deadOwner = run.ownerInstance;
    run.ownerInstance = this.presence.instanceId;
    const work = this.runner
      .endInterrupted(run)
      .then(async () => {
        await this.audit.record({
          orgId: run.orgId,
          category: 'api',
          action: 'pipelines.run_interrupted',
          result: 'failure',
          actor: null,
          target: { type: 'pipeline', id: run.pipelineId, run_id: run.id },
          details: { owner_instance: deadOwner, ended_by: this.presence.instanceId, error: 'interrupted' },
        });
      })
      .catch((err: Error) => this.logger.error(`ending interrupted pipeline run ${run.id} failed: ${err.message}`))
      .finally(() => this.recovering.delete(run.id));
    this.recovering.set(run.id, work);
  }

  /** Resolves once the runs being ended here are done (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.recovering.values()]);
  }
}
