import { AppConfig } from '@libs/config';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';

/**
 * The memory compaction job (docs/memory.md "Compaction"): one BullMQ job scheduler for the whole
 * install (id `memory-compaction`, pattern MEMORY_COMPACTION_CRON in UTC), the machinery of the
 * task and pipeline schedules: BullMQ creates each tick's job exactly once however many processes
 * run, so a tick runs once. A queue of its own, so no other consumer receives its ticks.
 */
export const MEMORY_COMPACTION_QUEUE = 'memory-compaction';
export const MEMORY_COMPACTION_SCHEDULER_ID = 'memory-compaction';

export interface MemoryCompactionTickPayload {
  /** the pattern the scheduler had when it created this tick */
  cron: string;
}

/** What one run did; the tick job's return value (kept with the completed job) and the log line. */
export interface MemoryCompactionSummary {
  /** `deleted_at` before this was old enough to go */
  cutoff: string;
  orgs: number;
  deleted: number;
  /** orgs whose batch failed (left for the next run) */
  failedOrgs: number;
  maintenance: 'vacuum_analyze' | 'analyze' | 'skipped' | 'failed';
  durationMs: number;
}

/** Producer side: makes the single scheduler match the configuration. */
@Injectable()
export class MemoryCompactionQueue implements OnModuleDestroy {
  private readonly logger = new Logger(MemoryCompactionQueue.name);
  readonly queue: Queue<MemoryCompactionTickPayload>;

  constructor(redis: RedisService, config: AppConfig, @Optional() metrics?: QueueMetrics) {
    this.queue = new Queue<MemoryCompactionTickPayload>(MEMORY_COMPACTION_QUEUE, {
      connection: redis.bullConnection(),
      prefix: config.redisPrefix,
    });
    this.queue.on('error', (err) => this.logger.warn(`memory-compaction queue: ${err.message}`));
    metrics?.track(MEMORY_COMPACTION_QUEUE, () =>
      this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'),
    );
  }

  /** Creates or replaces the scheduler (pattern in UTC); the same call from every process is idempotent. */
  async upsertSchedule(cron: string): Promise<void> {
    await this.queue.upsertJobScheduler(
      MEMORY_COMPACTION_SCHEDULER_ID,
      { pattern: cron, tz: 'UTC' },
      {
        name: 'tick',
        data: { cron },
        opts: {
          removeOnComplete: { age: 30 * 24 * 3600, count: 100 },
          removeOnFail: { age: 30 * 24 * 3600, count: 100 },
        },
      },
    );
  }

  async removeSchedule(): Promise<void> {
    await this.queue.removeJobScheduler(MEMORY_COMPACTION_SCHEDULER_ID);
  }

  /** The scheduler's pattern and next due time (ms), or null when there is none. */
  async schedule(): Promise<{ pattern: string | null; next: number | null } | null> {
    const s = await this.queue.getJobScheduler(MEMORY_COMPACTION_SCHEDULER_ID);
    return s ? { pattern: s.pattern ?? null, next: s.next ?? null } : null;
  }

  async onModuleDestroy() {
    await this.queue.waitUntilReady().catch(() => undefined); // see IngestWorker.stop
    await this.queue.close().catch(() => undefined);
  }
}

/** Consumer side: hands each tick (with its due time, ms) to `tick`, one at a time per process. */
export class MemoryCompactionWorker {
  private readonly logger = new Logger(MemoryCompactionWorker.name);
  private worker?: Worker<MemoryCompactionTickPayload>;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly tick: (payload: MemoryCompactionTickPayload, dueAt: number) => Promise<unknown>,
    private readonly metrics?: QueueMetrics,
  ) {}

  start(): void {
    if (this.worker) {
      return;
    }
    this.worker = new Worker<MemoryCompactionTickPayload>(
      MEMORY_COMPACTION_QUEUE,
      async (job) => {
        const started = process.hrtime.bigint();
        let status: 'completed' | 'failed' = 'failed';
        try {
          const result = await this.tick(
            job.data,
            Number(job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0)),
          );
          status = 'completed';
          return result;
        } finally {
          this.metrics?.observeJob(MEMORY_COMPACTION_QUEUE, status, Number(process.hrtime.bigint() - started) / 1e9);
        }
      },
      {
        connection: this.redis.bullConnection(),
        prefix: this.config.redisPrefix,
        concurrency: 1,
        // the lock is renewed while a run goes on; a run is re-delivered only when its process died
        lockDuration: 60_000,
        maxStalledCount: 1,
      },
    );
    this.worker.on('error', (err) => this.logger.warn(`memory-compaction worker: ${err.message}`));
  }

  /** Stops taking ticks and waits for the running one (the caller makes it stop after its current batch). */
  async stop(): Promise<void> {
    await this.worker?.waitUntilReady().catch(() => undefined);
    await this.worker?.close().catch(() => undefined);
    this.worker = undefined;
  }
}
