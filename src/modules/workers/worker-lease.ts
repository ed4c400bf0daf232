/**
 * The decision rules of worker leases, kept free of I/O so they are unit-tested (worker-lease.spec.ts);
 * the repository applies the same rules in SQL where rows must be locked.
 */

export type WorkerStatus = 'online' | 'stale' | 'offline';

/** Heartbeats missed before a worker is `stale` / `offline` (spec A.3). */
export const STALE_AFTER_INTERVALS = 3;
export const OFFLINE_AFTER_INTERVALS = 5;
/** Longest long-poll of a claim (spec A.3). */
export const MAX_CLAIM_WAIT_SECS = 20;

/** A worker's status from its last heartbeat, counted in the interval it was told at registration. */
export function workerStatus(
  w: { lastHeartbeatAt: Date; offlineAt: Date | null },
  heartbeatSecs: number,
  now: Date,
): WorkerStatus {
  if (w.offlineAt) {
    return 'offline';
  }
  const age = now.getTime() - w.lastHeartbeatAt.getTime();
  if (age >= OFFLINE_AFTER_INTERVALS * heartbeatSecs * 1000) {
    return 'offline';
  }
  if (age >= STALE_AFTER_INTERVALS * heartbeatSecs * 1000) {
    return 'stale';
  }
  return 'online';
}

/**
 * What happens to a job whose lease ended without an outcome (lease expired, worker went offline):
 * the attempt counts, and the job is queued again unless it has used all its attempts.
 */
export function afterLostLease(job: { attempts: number; maxAttempts: number }): {
  status: 'queued' | 'dead';
  attempts: number;
} {
  const attempts = job.attempts + 1;
  return { status: attempts >= job.maxAttempts ? 'dead' : 'queued', attempts };
}

/** What a worker's `fail` does: a retryable failure is an attempt like a lost lease; otherwise `failed`. */
export function afterFailure(
  job: { attempts: number; maxAttempts: number },
  retryable: boolean,
): { status: 'queued' | 'dead' | 'failed'; attempts: number } {
  if (!retryable) {
    return { status: 'failed', attempts: job.attempts + 1 };
  }
  return afterLostLease(job);
}

/** How many jobs a claim may hand out: what was asked, within the worker's free concurrency. */
export function claimCapacity(requested: number, concurrency: number, inFlight: number): number {
  return Math.max(0, Math.min(requested, concurrency - inFlight));
}

/** The queues a claim looks at: those asked for that the worker registered for (all of them if none asked). */
export function claimQueues(registered: string[], requested: string[] | undefined): string[] {
  if (!requested || requested.length === 0) {
    return [...registered];
  }
  return registered.filter((q) => requested.includes(q));
}

/**
 * Whether `workerId` holds the job's current lease. A lease past its time that the sweeper has not
 * taken back yet still counts: the sweeper and the holder race on the row lock, and exactly one wins.
 */
export function holdsLease(job: { status: string; workerId: string | null }, workerId: string): boolean {
  return (job.status === 'claimed' || job.status === 'running') && job.workerId === workerId;
}

/** How often the sweeper looks for expired leases: a quarter of the lease, between 0.5 s and 5 s. */
export function sweepIntervalMs(leaseSecs: number): number {
  return Math.round(Math.min(5, Math.max(0.5, leaseSecs / 4)) * 1000);
}
