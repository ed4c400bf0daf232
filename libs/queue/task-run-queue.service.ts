import { AppConfig } from '@libs/config';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { Queue } from 'bullmq';
import { TASK_RUN_QUEUE, TASK_SCHEDULE_QUEUE, TaskRunJobPayload, TaskTickPayload } from './queue.constants';

/**
 * Producer side of the task queues: `task-runs` (one job per run, job id = run id) and
 * `task-schedules` (one BullMQ job scheduler per schedule task, id = task id: BullMQ creates each
 * tick's job exactly once however many processes run, so a tick fires once).
 */
@Injectable()
export class TaskRunQueue implements OnModuleDestroy {
  private readonly logger = new Logger(TaskRunQueue.name);
  readonly runs: Queue<TaskRunJobPayload>;
  readonly schedules: Queue<TaskTickPayload>;

  constructor(redis: RedisService, config: AppConfig, @Optional() metrics?: QueueMetrics) {
    this.runs = new Queue<TaskRunJobPayload>(TASK_RUN_QUEUE, {
      connection: redis.bullConnection(),
      prefix: config.redisPrefix,
    });
    this.schedules = new Queue<TaskTickPayload>(TASK_SCHEDULE_QUEUE, {
      connection: redis.bullConnection(),
      prefix: config.redisPrefix,
    });
    this.runs.on('error', (err) => this.logger.warn(`task-runs queue: ${err.message}`));
    this.schedules.on('error', (err) => this.logger.warn(`task-schedules queue: ${err.message}`));
    metrics?.track(TASK_RUN_QUEUE, () => this.runs.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'));
  }

  async enqueue(payload: TaskRunJobPayload): Promise<void> {
    await this.runs.add('run', payload, {
      jobId: payload.runId,
      // a re-delivery is handled by the consumer from the run row (docs/tasks.md), never retried blindly
      attempts: 1,
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    });
  }

  /** Removes a run's job that has not started; false when it is running or gone. */
  async removeIfWaiting(runId: string): Promise<boolean> {
    const job = await this.runs.getJob(runId);
    if (!job || (await job.getState()) === 'active') {
      return false;
    }
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }

  /** Creates or replaces the task's scheduler (pattern in time zone `tz`). */
  async upsertSchedule(taskId: string, orgId: string, cron: string, tz: string): Promise<void> {
    await this.schedules.upsertJobScheduler(
      taskId,
      { pattern: cron, tz },
      {
        name: 'tick',
        data: { taskId, orgId, cron },
        opts: { removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 24 * 3600, count: 1000 } },
      },
    );
  }

  async removeSchedule(taskId: string): Promise<void> {
    await this.schedules.removeJobScheduler(taskId);
  }

  /** The scheduler's next due time (ms), or null when the task has none. */
  async scheduleNext(taskId: string): Promise<number | null> {
    const s = await this.schedules.getJobScheduler(taskId);
    return s?.next ?? null;
  }

  async onModuleDestroy() {
    for (const q of [this.runs, this.schedules]) {
      await q.waitUntilReady().catch(() => undefined); // see IngestWorker.stop
      await q.close().catch(() => undefined);
    }
  }
}
