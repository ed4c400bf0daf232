import { AppConfig } from '@libs/config';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';

/**
 * Scheduled pipeline fires: one BullMQ job scheduler per scheduled pipeline (scheduler id =
 * pipeline id), the same machinery as the task schedules (`task-schedules`): BullMQ creates each
 * tick's job exactly once however many processes run, so a tick fires once. A queue of its own so
 * the task consumer never receives a pipeline tick (and vice versa).
 */
export const PIPELINE_SCHEDULE_QUEUE = 'pipeline-schedules';

export interface PipelineTickPayload {
  pipelineId: string;
  orgId: string;
  cron: string;
}

/** Producer side: create/replace/remove a pipeline's scheduler. */
@Injectable()
export class PipelineScheduleQueue implements OnModuleDestroy {
  private readonly logger = new Logger(PipelineScheduleQueue.name);
  readonly schedules: Queue<PipelineTickPayload>;

  constructor(redis: RedisService, config: AppConfig) {
    this.schedules = new Queue<PipelineTickPayload>(PIPELINE_SCHEDULE_QUEUE, {
      connection: redis.bullConnection(),
      prefix: config.redisPrefix,
    });
    this.schedules.on('error', (err) => this.logger.warn(`pipeline-schedules queue: ${err.message}`));
  }

  /** Creates or replaces the pipeline's scheduler (pattern in UTC). */
  async upsertSchedule(pipelineId: string, orgId: string, cron: string): Promise<void> {
    await this.schedules.upsertJobScheduler(
      pipelineId,
      { pattern: cron, tz: 'UTC' },
      {
        name: 'tick',
        data: { pipelineId, orgId, cron },
        opts: { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 24 * 3600, count: 1000 } },
      },
    );
  }

  async removeSchedule(pipelineId: string): Promise<void> {
    await this.schedules.removeJobScheduler(pipelineId);
  }

  /** The scheduler's next due time (ms), or null when the pipeline has none. */
  async scheduleNext(pipelineId: string): Promise<number | null> {
    const s = await this.schedules.getJobScheduler(pipelineId);
    return s?.next ?? null;
  }

  async onModuleDestroy() {
    await this.schedules.waitUntilReady().catch(() => undefined); // see IngestWorker.stop
    await this.schedules.close().catch(() => undefined);
  }
}

/** Consumer side: hands each tick (with its due time, ms) to `tick`. */
export class PipelineScheduleWorker {
  private readonly logger = new Logger(PipelineScheduleWorker.name);
  private worker?: Worker<PipelineTickPayload>;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly tick: (payload: PipelineTickPayload, dueAt: number) => Promise<unknown>,
  ) {}

  start(): void {
    if (this.worker) {
      return;
    }
    this.worker = new Worker<PipelineTickPayload>(
      PIPELINE_SCHEDULE_QUEUE,
      (job) => this.tick(job.data, Number(job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0))),
      {
        connection: this.redis.bullConnection(),
        prefix: this.config.redisPrefix,
        concurrency: 5,
        lockDuration: 30_000,
      },
    );
    this.worker.on('error', (err) => this.logger.warn(`pipeline-schedules worker: ${err.message}`));
  }

  async stop(): Promise<void> {
    await this.worker?.waitUntilReady().catch(() => undefined);
    await this.worker?.close(true).catch(() => undefined);
    this.worker = undefined;
  }
}
