import { AppConfig } from '@libs/config';
import {
  PipelineScheduleQueue,
  PipelineScheduleWorker,
  type PipelineTickPayload,
} from '@libs/queue/pipeline-schedule-queue';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { PipelineRunner } from './pipeline-runner.service';
import { PipelinesRepository } from './pipelines.repository';
import { PipelinesService } from './pipelines.service';

const SWEEP_MS = 3_600_000;

/**
 * Fires scheduled pipelines on the task scheduler's machinery (BullMQ job schedulers, one per
 * scheduled pipeline: each tick's job exists once, whatever the number of processes). Consumed
 * where task ticks are (API processes unless TASK_RUN_IN_API=false, and src/worker.ts), with the
 * same rules: a tick later than TASK_SCHEDULE_GRACE_SECS is dropped (no back-fill), a tick of a
 * deleted, manual or replaced schedule removes/ignores it. Also the hourly run-retention sweep.
 */
@Injectable()
export class PipelineScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PipelineScheduler.name);
  private worker?: PipelineScheduleWorker;
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly repo: PipelinesRepository,
    private readonly pipelines: PipelinesService,
    private readonly runner: PipelineRunner,
    private readonly queue: PipelineScheduleQueue,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap() {
    if (!this.config.tasks.runInApi) {
      return;
    }
    this.worker = new PipelineScheduleWorker(this.redis, this.config, (p, dueAt) => this.tick(p, dueAt));
    this.worker.start();
    this.sweep = setInterval(() => void this.runner.prune(null), SWEEP_MS);
    this.sweep.unref();
  }

  async onModuleDestroy() {
    if (this.sweep) {
      clearInterval(this.sweep);
    }
    await this.worker?.stop();
  }

  /** One tick of a pipeline's scheduler; returns what happened (for logs and tests). */
  async tick(p: PipelineTickPayload, dueAt: number): Promise<string> {
    const lateMs = Date.now() - dueAt;
    if (lateMs > this.config.tasks.scheduleGraceSecs * 1000) {
      this.logger.warn(
        `dropped the tick of pipeline ${p.pipelineId} due at ${new Date(dueAt).toISOString()}: ${Math.round(lateMs / 1000)} s late (missed ticks are not back-filled)`,
      );
      return 'late';
    }
    const pipeline = await this.repo.findPipeline(p.orgId, p.pipelineId);
    if (!pipeline || pipeline.schedule === 'manual') {
      // a scheduler that outlived its pipeline or its schedule: remove it
      await this.queue.removeSchedule(p.pipelineId).catch(() => undefined);
      return 'no_schedule';
    }
    if (pipeline.schedule !== p.cron) {
      return 'stale'; // a tick of the schedule's previous version (the scheduler was replaced)
    }
    if (!pipeline.enabled) {
      await this.queue.removeSchedule(p.pipelineId).catch(() => undefined);
    }
    return this.pipelines.fireScheduled(pipeline, dueAt);
  }
}
