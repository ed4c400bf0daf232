import { AppConfig } from '@libs/config';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { Queue } from 'bullmq';
import { INGEST_ATTEMPTS, INGEST_BACKOFF_MS, INGEST_QUEUE, IngestJobPayload } from './queue.constants';

/** Producer side of the ingestion queue (BullMQ job id = sync job id). */
@Injectable()
export class IngestQueue implements OnModuleDestroy {
  private readonly logger = new Logger(IngestQueue.name);
  readonly queue: Queue<IngestJobPayload>;

  constructor(redis: RedisService, config: AppConfig, @Optional() metrics?: QueueMetrics) {
    this.queue = new Queue<IngestJobPayload>(INGEST_QUEUE, {
      connection: redis.bullConnection(),
      prefix: config.redisPrefix,
    });
    this.queue.on('error', (err) => this.logger.warn(`ingest queue: ${err.message}`));
    metrics?.track(INGEST_QUEUE, () => this.counts());
  }

  async enqueue(payload: IngestJobPayload): Promise<void> {
    await this.queue.add('sync', payload, {
      jobId: payload.jobId,
      attempts: INGEST_ATTEMPTS,
      backoff: { type: 'exponential', delay: INGEST_BACKOFF_MS },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    });
  }

  /** Removes a job that has not started; false if it is running (locked) or gone. */
  async removeIfWaiting(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job) {
      return false;
    }
    const state = await job.getState();
    if (state === 'active') {
      return false;
    }
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }

  async counts() {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
  }

  async onModuleDestroy() {
    await this.queue.waitUntilReady().catch(() => undefined); // see IngestWorker.stop
    await this.queue.close().catch(() => undefined);
  }
}
