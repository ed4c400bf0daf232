import type { AppConfig } from '@libs/config';
import type { QueueMetrics } from '@libs/metrics/queue-metrics';
import type { RedisService } from '@libs/redis/redis.service';
import { Logger } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { TASK_RUN_QUEUE, TASK_SCHEDULE_QUEUE, TaskRunJobPayload, TaskTickPayload } from './queue.constants';

export interface TaskQueueHandlers {
  run: (payload: TaskRunJobPayload, job: Job<TaskRunJobPayload>) => Promise<unknown>;
  /** `dueAt`: the tick's scheduled time (ms) */
  tick: (payload: TaskTickPayload, dueAt: number) => Promise<unknown>;
}

/**
 * Consumer side of the task queues: `task-runs` with concurrency TASK_CONCURRENCY (a run holds its
 * slot for the whole agent turn, approvals included; the lock is renewed while it runs, so a job is
 * re-delivered only when its process died) and `task-schedules` (ticks, short).
 */
export class TaskRunWorker {
  private readonly logger = new Logger(TaskRunWorker.name);
  private runs?: Worker<TaskRunJobPayload>;
  private ticks?: Worker<TaskTickPayload>;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly handlers: TaskQueueHandlers,
    private readonly metrics?: QueueMetrics,
  ) {}

  start(): void {
    if (this.runs) {
      return;
    }
    this.runs = new Worker<TaskRunJobPayload>(TASK_RUN_QUEUE, (job) => this.timed(job), {
      connection: this.redis.bullConnection(),
      prefix: this.config.redisPrefix,
      concurrency: this.config.tasks.concurrency,
      lockDuration: 30_000,
      maxStalledCount: 1,
    });
    this.runs.on('error', (err) => this.logger.warn(`task-runs worker: ${err.message}`));
    this.ticks = new Worker<TaskTickPayload>(
      TASK_SCHEDULE_QUEUE,
      (job) => this.handlers.tick(job.data, Number(job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0))),
      {
        connection: this.redis.bullConnection(),
        prefix: this.config.redisPrefix,
        concurrency: 5,
        lockDuration: 30_000,
      },
    );
    this.ticks.on('error', (err) => this.logger.warn(`task-schedules worker: ${err.message}`));
  }

  private async timed(job: Job<TaskRunJobPayload>): Promise<unknown> {
    const started = process.hrtime.bigint();
    let status: 'completed' | 'failed' = 'failed';
    try {
      const result = await this.handlers.run(job.data, job);
      status = 'completed';
      return result;
    } finally {
      this.metrics?.observeJob(TASK_RUN_QUEUE, status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Stops taking jobs; running ones are not awaited (their runs are finished by the caller). */
  async stop(): Promise<void> {
    for (const w of [this.ticks, this.runs]) {
      await w?.waitUntilReady().catch(() => undefined);
      await w?.close(true).catch(() => undefined);
    }
    this.runs = this.ticks = undefined;
  }
}
