import { Transactional, TransactionHost } from '@libs/database/transaction';
import { Injectable } from '@nestjs/common';
import type { WorkerJobEntity, WorkerJobError } from './worker-job.entity';
import { afterFailure, afterLostLease, claimCapacity, holdsLease, OFFLINE_AFTER_INTERVALS } from './worker-lease';
import { WorkersRepository, type ReleasedJob } from './workers.repository';

/**
 * The lease use cases, each one transaction (worker-lease.ts decides, the repository locks and
 * writes): claim, fail, release of expired leases and of silent workers, deregister.
 */
@Injectable()
export class WorkerLeases {
  constructor(
    readonly txHost: TransactionHost,
    private readonly repo: WorkersRepository,
  ) {}

  /**
   * One claim attempt: the worker row is locked (a concurrent drain or deregister waits), a drained
   * or offline worker gets nothing, and at most its free concurrency is handed out.
   */
  @Transactional()
  async claimOnce(workerId: string, queues: string[], max: number, leaseSecs: number): Promise<WorkerJobEntity[]> {
    const worker = await this.repo.lockWorker(workerId);
    if (!worker || worker.drain || worker.offlineAt || !queues.length) {
      return [];
    }
    const limit = claimCapacity(max, worker.concurrency, await this.repo.countHeld(workerId));
    if (limit <= 0) {
      return [];
    }
    return this.repo.claimQueued(workerId, queues, worker.orgId, limit, leaseSecs);
  }

  /** A worker's failure report; null if it does not hold the job. */
  @Transactional()
  async fail(jobId: string, workerId: string, error: WorkerJobError, retryable: boolean): Promise<ReleasedJob | null> {
    const job = await this.repo.lockJob(jobId);
    if (!job || !holdsLease(job, workerId)) {
      return null;
    }
    const next = afterFailure(job, retryable);
    return this.repo.release(job, next.status, next.attempts, error);
  }

  /** Expired leases back to the queue (or `dead`), at most `limit`; each handled by one replica. */
  @Transactional()
  async releaseExpired(limit: number): Promise<ReleasedJob[]> {
    const out: ReleasedJob[] = [];
    for (const job of await this.repo.lockExpired(limit)) {
      const next = afterLostLease(job);
      out.push(
        await this.repo.release(job, next.status, next.attempts, {
          code: 'lease_expired',
          message: `The lease of worker ${job.workerId ?? '?'} expired`,
        }),
      );
    }
    return out;
  }

  /** Workers past 5 missed heartbeats go offline; their jobs are released (an attempt each). */
  @Transactional()
  async releaseSilentWorkers(): Promise<ReleasedJob[]> {
    const out: ReleasedJob[] = [];
    for (const w of await this.repo.lockSilentWorkers(OFFLINE_AFTER_INTERVALS, 100)) {
      await this.repo.markOffline(w.id);
      for (const job of await this.repo.lockJobsOf(w.id)) {
        const next = afterLostLease(job);
        out.push(
          await this.repo.release(job, next.status, next.attempts, {
            code: 'worker_offline',
            message: `Worker ${w.id} stopped sending heartbeats`,
          }),
        );
      }
    }
    return out;
  }

  /** Deregister: offline now, its jobs back to the queue without costing an attempt; null if unknown. */
  @Transactional()
  async deregister(workerId: string): Promise<ReleasedJob[] | null> {
    if (!(await this.repo.lockWorker(workerId))) {
      return null;
    }
    await this.repo.markOffline(workerId);
    return this.giveBack(workerId, null);
  }

  /** Jobs a worker just claimed but will never see (it hung up): back to the queue, no attempt counted. */
  @Transactional()
  releaseClaimed(workerId: string, jobIds: string[]): Promise<ReleasedJob[]> {
    return this.giveBack(workerId, jobIds);
  }

  private async giveBack(workerId: string, only: string[] | null): Promise<ReleasedJob[]> {
    const out: ReleasedJob[] = [];
    for (const job of await this.repo.lockJobsOf(workerId)) {
      if (!only || only.includes(job.id)) {
        out.push(await this.repo.release(job, 'queued', job.attempts, null));
      }
    }
    return out;
  }
}
