import { Injectable } from '@nestjs/common';
import { Gauge, Histogram } from 'prom-client';
import { MetricsRegistry, withinTimeout } from './metrics-registry';

export type JobCounts = Record<string, number>;

/**
 * `queue_jobs{queue,state}`, read at scrape time from each tracked queue (BullMQ getJobCounts),
 * and `queue_job_duration_seconds{queue,status}`, observed by the workers.
 */
@Injectable()
export class QueueMetrics {
  private readonly queues = new Map<string, () => Promise<JobCounts>>();
  private readonly duration: Histogram<'queue' | 'status'>;

  constructor(metrics: MetricsRegistry) {
    const queues = this.queues;
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state at scrape time (absent for a queue whose count timed out)',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const all = await Promise.all(
          [...queues].map(async ([queue, counts]) => [queue, await withinTimeout(counts)] as const),
        );
        for (const [queue, counts] of all) {
          for (const [state, n] of Object.entries(counts ?? {})) {
            this.set({ queue, state }, n);
          }
        }
      },
    });
    this.duration = new Histogram({
      name: 'queue_job_duration_seconds',
      help: 'Processing time of a job run, by queue and outcome (completed or failed)',
      labelNames: ['queue', 'status'] as const,
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [metrics.registry],
    });
  }

  /** Reports a queue's job counts at every scrape. */
  track(queue: string, counts: () => Promise<JobCounts>): void {
    this.queues.set(queue, counts);
  }

  observeJob(queue: string, status: 'completed' | 'failed', seconds: number): void {
    this.duration.observe({ queue, status }, seconds);
  }
}
