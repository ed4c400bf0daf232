import { AppConfig } from '@libs/config';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import {
  MemoryCompactionQueue,
  MemoryCompactionWorker,
  type MemoryCompactionSummary,
  type MemoryCompactionTickPayload,
} from '@libs/queue/memory-compaction-queue';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { MemoryCompaction } from './memory-compaction.service';

export type CompactionTickOutcome = MemoryCompactionSummary | 'late' | 'disabled';

/**
 * Schedules and consumes the memory compaction on the task scheduler's machinery: every process
 * makes the one BullMQ job scheduler (`memory-compaction` queue) match MEMORY_COMPACTION_CRON at
 * boot (or removes it when the setting is empty/`off`), and BullMQ creates each tick's job once,
 * so one process runs it. Consumed where task ticks are (API processes unless TASK_RUN_IN_API=false,
 * and src/worker.ts), with the same rule: a tick later than TASK_SCHEDULE_GRACE_SECS is dropped
 * (no back-fill; the next tick deletes what it would have).
 */
@Injectable()
export class MemoryCompactionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MemoryCompactionScheduler.name);
  private worker?: MemoryCompactionWorker;

  constructor(
    private readonly compaction: MemoryCompaction,
    private readonly queue: MemoryCompactionQueue,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    @Optional() private readonly metrics?: QueueMetrics,
  ) {}

  async onApplicationBootstrap() {
    await this.syncSchedule();
    if (!this.config.tasks.runInApi) {
      return;
    }
    this.worker = new MemoryCompactionWorker(this.redis, this.config, (p, dueAt) => this.tick(p, dueAt), this.metrics);
    this.worker.start();
  }

  async onModuleDestroy() {
    this.compaction.requestStop();
    await this.worker?.stop();
  }

  /** Makes the scheduler match this process's setting; a Redis outage is logged, not fatal. */
  async syncSchedule(): Promise<void> {
    const cron = this.config.memoryCompaction.cron;
    try {
      if (cron) {
        await this.queue.upsertSchedule(cron);
      } else {
        await this.queue.removeSchedule();
      }
    } catch (err) {
      this.logger.warn(`memory compaction schedule not updated: ${(err as Error).message}`);
    }
  }

  /** One tick; returns what happened (the job's return value, for operators and tests). */
  async tick(p: MemoryCompactionTickPayload, dueAt: number): Promise<CompactionTickOutcome> {
    const lateMs = Date.now() - dueAt;
    if (lateMs > this.config.tasks.scheduleGraceSecs * 1000) {
      this.logger.warn(
        `dropped the memory compaction tick (${p.cron}) due at ${new Date(dueAt).toISOString()}: ${Math.round(lateMs / 1000)} s late (missed ticks are not back-filled)`,
      );
      return 'late';
    }
    if (!this.config.memoryCompaction.cron) {
      // a scheduler left by a process configured otherwise; this process has the job turned off
      return 'disabled';
    }
    return this.compaction.run(new Date(dueAt));
  }
}
