import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobOutcomes } from './job-outcomes';
import { sweepIntervalMs } from './worker-lease';
import { WorkerLeases } from './worker-leases.service';
import { WorkersRepository } from './workers.repository';

/** Offline workers are deleted after a day (they hold no jobs by then). */
const PURGE_OFFLINE_AFTER_MS = 24 * 3600 * 1000;

/**
 * Every few seconds (a quarter of the lease, 0.5–5 s): expired leases go back to the queue (or
 * `dead`), workers past 5 missed heartbeats go offline and release their jobs. Safe on several
 * replicas: rows are taken with FOR UPDATE SKIP LOCKED, so each release happens once.
 */
@Injectable()
export class WorkerSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WorkerSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private ticks = 0;

  constructor(
    private readonly repo: WorkersRepository,
    private readonly config: AppConfig,
    private readonly outcomes: JobOutcomes,
    private readonly leases: WorkerLeases,
  ) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.sweep()
          .catch((err) => this.logger.warn(`worker sweep failed: ${(err as Error).message}`))
          .finally(() => (this.running = undefined));
      }
    }, sweepIntervalMs(this.config.workerLeaseSecs));
    this.timer.unref();
  }

  async onModuleDestroy() {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass (also called by tests). */
  async sweep(): Promise<void> {
    for (;;) {
      const expired = await this.leases.releaseExpired(100);
      await this.outcomes.released(expired);
      if (expired.length < 100) {
        break;
      }
    }
    await this.outcomes.released(await this.leases.releaseSilentWorkers());
    if (this.ticks++ % 100 === 0) {
      await this.repo.purgeOffline(PURGE_OFFLINE_AFTER_MS);
    }
  }
}
