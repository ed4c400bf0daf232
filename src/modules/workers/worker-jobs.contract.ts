import type { WorkerQueue } from './worker-job.entity';

export interface EnqueueWorkerJob {
  orgId: string;
  queue: WorkerQueue;
  /** what the daemon runs, e.g. `source.sync` */
  kind: string;
  payload: Record<string, unknown>;
  /** the record the job works for (e.g. a sync job id): `cancelQueued` finds the job by it */
  ref?: string;
  maxAttempts?: number;
}

/**
 * What other modules may ask of the worker queue (sources: a sync runs on a worker daemon when the
 * org's `features.workers` is on). A job that dies (attempts used up without an outcome) is
 * announced as the org event `worker_job.dead`.
 */
export abstract class WorkerJobsContract {
  /**
   * Whether work of the org for `queue` goes to worker daemons: false when the org's effective
   * `features.workers` is off; true when on and a live worker serves the queue; when on and none
   * does, throws 503 `worker_unavailable`.
   */
  abstract route(orgId: string, queue: WorkerQueue): Promise<boolean>;
  /** Queues a job; returns its id (`wjob_…`). */
  abstract enqueue(job: EnqueueWorkerJob): Promise<string>;
  /** Ends the org's still-queued job for `ref` (its work was cancelled); true if there was one. */
  abstract cancelQueued(orgId: string, ref: string): Promise<boolean>;
}
