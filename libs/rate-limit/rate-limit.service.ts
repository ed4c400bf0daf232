import { RateLimitedException } from '@libs/errors';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';

// INCR and, on the first hit of a window, PEXPIRE — atomically, so a crash between the two
// cannot leave a counter without expiry. Returns [count, remaining ttl in ms].
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { n, ttl }`;

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  limit: number;
  retryAfterSecs: number;
}

/** Fixed-window counters in Redis, shared by every replica. */
@Injectable()
export class RateLimitService {
  constructor(private readonly redis: RedisService) {}

  async hit(bucket: string, limit: number, windowMs = 60_000): Promise<RateLimitResult> {
    const key = this.redis.key('rl', bucket);
    const [count, ttl] = (await this.redis.client.eval(HIT, 1, key, String(windowMs))) as [number, number];
    return { allowed: count <= limit, count, limit, retryAfterSecs: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  /** Counts a hit on every bucket; throws 429 `rate_limited` (with Retry-After) when any is over. */
  async enforce(buckets: string[], limit: number, windowMs = 60_000): Promise<void> {
    const results = await Promise.all(buckets.map((b) => this.hit(b, limit, windowMs)));
    const over = results.filter((r) => !r.allowed);
    if (over.length) {
      throw new RateLimitedException(Math.max(...over.map((r) => r.retryAfterSecs)));
    }
  }
}
