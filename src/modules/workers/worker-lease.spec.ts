import {
  afterFailure,
  afterLostLease,
  claimCapacity,
  claimQueues,
  holdsLease,
  sweepIntervalMs,
  workerStatus,
} from './worker-lease';

describe('worker lease rules', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000);

  describe('workerStatus (heartbeat every 15 s)', () => {
    it('is online under 3 missed intervals, stale from 3, offline from 5', () => {
      expect(workerStatus({ lastHeartbeatAt: ago(0), offlineAt: null }, 15, now)).toBe('online');
      expect(workerStatus({ lastHeartbeatAt: ago(44.9), offlineAt: null }, 15, now)).toBe('online');
      expect(workerStatus({ lastHeartbeatAt: ago(45), offlineAt: null }, 15, now)).toBe('stale');
      expect(workerStatus({ lastHeartbeatAt: ago(74.9), offlineAt: null }, 15, now)).toBe('stale');
      expect(workerStatus({ lastHeartbeatAt: ago(75), offlineAt: null }, 15, now)).toBe('offline');
    });
    it('is offline once deregistered or marked offline, whatever the last heartbeat', () => {
      expect(workerStatus({ lastHeartbeatAt: ago(1), offlineAt: ago(0) }, 15, now)).toBe('offline');
    });
  });

  describe('afterLostLease', () => {
    it('counts the attempt and queues the job again while attempts remain', () => {
      expect(afterLostLease({ attempts: 0, maxAttempts: 3 })).toEqual({ status: 'queued', attempts: 1 });
      expect(afterLostLease({ attempts: 1, maxAttempts: 3 })).toEqual({ status: 'queued', attempts: 2 });
    });
    it('is dead once max_attempts are used', () => {
      expect(afterLostLease({ attempts: 2, maxAttempts: 3 })).toEqual({ status: 'dead', attempts: 3 });
      expect(afterLostLease({ attempts: 0, maxAttempts: 1 })).toEqual({ status: 'dead', attempts: 1 });
    });
  });

  describe('afterFailure', () => {
    it('a non-retryable failure ends the job failed at once', () => {
      expect(afterFailure({ attempts: 0, maxAttempts: 3 }, false)).toEqual({ status: 'failed', attempts: 1 });
    });
    it('a retryable failure is queued again until the last attempt, then dead', () => {
      expect(afterFailure({ attempts: 0, maxAttempts: 2 }, true)).toEqual({ status: 'queued', attempts: 1 });
      expect(afterFailure({ attempts: 1, maxAttempts: 2 }, true)).toEqual({ status: 'dead', attempts: 2 });
    });
  });

  describe('claim', () => {
    it('hands out at most the free concurrency, never a negative number', () => {
      expect(claimCapacity(1, 4, 0)).toBe(1);
      expect(claimCapacity(10, 4, 1)).toBe(3);
      expect(claimCapacity(2, 4, 4)).toBe(0);
      expect(claimCapacity(2, 1, 3)).toBe(0);
    });
    it('looks only at queues the worker registered for', () => {
      expect(claimQueues(['ingest', 'tasks'], undefined)).toEqual(['ingest', 'tasks']);
      expect(claimQueues(['ingest', 'tasks'], [])).toEqual(['ingest', 'tasks']);
      expect(claimQueues(['ingest', 'tasks'], ['tasks', 'pipelines'])).toEqual(['tasks']);
      expect(claimQueues(['ingest'], ['pipelines'])).toEqual([]);
    });
  });

  describe('holdsLease', () => {
    const job = (patch: object) => ({ status: 'running', workerId: 'wkr_a', ...patch });
    it('only the worker the job is leased to, while claimed or running', () => {
      expect(holdsLease(job({}), 'wkr_a')).toBe(true);
      expect(holdsLease(job({ status: 'claimed' }), 'wkr_a')).toBe(true);
      expect(holdsLease(job({}), 'wkr_b')).toBe(false);
      expect(holdsLease(job({ status: 'queued', workerId: null }), 'wkr_a')).toBe(false);
      expect(holdsLease(job({ status: 'succeeded' }), 'wkr_a')).toBe(false);
      expect(holdsLease(job({ status: 'dead' }), 'wkr_a')).toBe(false);
    });
  });

  it('sweeps a quarter of the lease, between 0.5 s and 5 s', () => {
    expect(sweepIntervalMs(60)).toBe(5_000);
    expect(sweepIntervalMs(8)).toBe(2_000);
    expect(sweepIntervalMs(1)).toBe(500);
  });
});
