import type Redis from 'ioredis';

/**
 * Cross-process admission control for ingestion jobs: at most one running job per source and at
 * most `orgLimit` running jobs per org. Slots are leases (ZSET member = job id, score = expiry) so a
 * crashed process cannot hold a slot for ever; holders renew them while they run.
 */
const ACQUIRE = `
local now = tonumber(ARGV[1])
local expiry = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local job = ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[1], job) then
  redis.call('ZADD', KEYS[1], expiry, job)
  redis.call('ZADD', KEYS[2], expiry, job)
  return 1
end
if redis.call('ZCARD', KEYS[2]) > 0 then return -1 end
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], expiry, job)
redis.call('ZADD', KEYS[2], expiry, job)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1`;

export type AcquireResult = 'acquired' | 'org_busy' | 'source_busy';

export class FairSlots {
  constructor(
    private readonly redis: Redis,
    private readonly key: (...parts: string[]) => string,
    private readonly orgLimit: number,
    private readonly leaseMs = 120_000,
  ) {}

  private keys(orgId: string, sourceId: string): [string, string] {
    return [this.key('ingest', 'slots', 'org', orgId), this.key('ingest', 'slots', 'source', sourceId)];
  }

  async acquire(orgId: string, sourceId: string, jobId: string): Promise<AcquireResult> {
    const now = Date.now();
    const r = (await this.redis.eval(
      ACQUIRE,
      2,
      ...this.keys(orgId, sourceId),
      now,
      now + this.leaseMs,
      this.orgLimit,
      jobId,
      this.leaseMs * 2,
    )) as number;
    return r === 1 ? 'acquired' : r === -1 ? 'source_busy' : 'org_busy';
  }

  async renew(orgId: string, sourceId: string, jobId: string): Promise<void> {
    const expiry = Date.now() + this.leaseMs;
    const [org, src] = this.keys(orgId, sourceId);
    await this.redis
      .multi()
      .zadd(org, 'XX', expiry, jobId)
      .zadd(src, 'XX', expiry, jobId)
      .pexpire(org, this.leaseMs * 2)
      .pexpire(src, this.leaseMs * 2)
      .exec();
  }

  async release(orgId: string, sourceId: string, jobId: string): Promise<void> {
    const [org, src] = this.keys(orgId, sourceId);
    await this.redis.multi().zrem(org, jobId).zrem(src, jobId).exec();
  }

  /** Runs `fn` while renewing the lease every third of its length. */
  async hold<T>(orgId: string, sourceId: string, jobId: string, fn: () => Promise<T>): Promise<T> {
    const timer = setInterval(
      () => void this.renew(orgId, sourceId, jobId).catch(() => undefined),
      Math.floor(this.leaseMs / 3),
    );
    try {
      return await fn();
    } finally {
      clearInterval(timer);
      await this.release(orgId, sourceId, jobId).catch(() => undefined);
    }
  }
}
