import type { AppConfig } from '@libs/config';
import type { QueueMetrics } from '@libs/metrics/queue-metrics';
import type { RedisService } from '@libs/redis/redis.service';
import { Logger } from '@nestjs/common';
import { DelayedError, Job, Worker } from 'bullmq';
import { FairSlots } from './fair-slots';
import { INGEST_QUEUE, IngestJobPayload } from './queue.constants';

export type IngestHandler = (payload: IngestJobPayload, job: Job<IngestJobPayload>) => Promise<unknown>;

/**
 * Consumer side: one BullMQ Worker with concurrency INGEST_CONCURRENCY. Before running a job it
 * takes a fair slot (one per source, INGEST_ORG_CONCURRENCY per org, across processes); when the
 * source or org is busy the job goes back to the delayed set and the worker picks the next one,
 * so a big tenant cannot occupy every slot.
 */
export class IngestWorker {
  private readonly logger = new Logger(IngestWorker.name);
  private worker?: Worker<IngestJobPayload>;
  readonly slots: FairSlots;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly handler: IngestHandler,
    private readonly metrics?: QueueMetrics,
  ) {
    this.slots = new FairSlots(redis.client, (...p) => redis.key(...p), config.ingestOrgConcurrency);
  }

  start(): void {
    if (this.worker) {
      return;
    }
    this.worker = new Worker<IngestJobPayload>(
      INGEST_QUEUE,
      async (job, token) => {
        const { orgId, sourceId, jobId } = job.data;
        const got = await this.slots.acquire(orgId, sourceId, jobId);
        if (got !== 'acquired') {
          await job.moveToDelayed(Date.now() + 250 + Math.floor(Math.random() * 500), token);
          throw new DelayedError();
        }
        return this.slots.hold(orgId, sourceId, jobId, () => this.timed(job));
      },
      {
        connection: this.redis.bullConnection(),
        prefix: this.config.redisPrefix,
        concurrency: this.config.ingestConcurrency,
        lockDuration: 60_000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', (err) => this.logger.warn(`ingest worker: ${err.message}`));
  }

  /** Runs the handler; its time (not the wait for a fair slot) is `queue_job_duration_seconds`. */
  private async timed(job: Job<IngestJobPayload>): Promise<unknown> {
    const started = process.hrtime.bigint();
    let status: 'completed' | 'failed' = 'failed';
    try {
      const result = await this.handler(job.data, job);
      status = 'completed';
      return result;
    } finally {
      this.metrics?.observeJob(INGEST_QUEUE, status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async stop(): Promise<void> {
    // closing a BullMQ connection that is still connecting makes it emit an 'error' after its
    // listeners are gone, which crashes the process: let it finish connecting first
    await this.worker?.waitUntilReady().catch(() => undefined);
    await this.worker?.close().catch(() => undefined);
    this.worker = undefined;
  }
}
