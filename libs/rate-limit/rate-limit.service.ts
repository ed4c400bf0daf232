import { RateLimitedException } from '@libs/errors';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';

/**
 * The fixed-window hit as a Lua function, for scripts that count a hit beside other work in the
 * same step (the `/hooks` inbox): INCR and, on the first hit of a window, PEXPIRE — atomically, so
 * a crash between the two cannot leave a counter without expiry. Returns the count and, once it is
 * over `limit` (the only time a caller needs it, for Retry-After), the remaining ttl in ms; a
 * counter found without expiry then gets one, so it cannot refuse forever.
 */
export const RATE_LIMIT_HIT_LUA = `
local function rate_limit_hit(key, window_ms, limit)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, window_ms) end
  if n <= tonumber(limit) then return n, -1 end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, window_ms); ttl = tonumber(window_ms) end
  return n, ttl
end`;

const HIT = `${RATE_LIMIT_HIT_LUA}
local n, ttl = rate_limit_hit(KEYS[1], ARGV[1], ARGV[2])
return { n, ttl }`;

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  limit: number;
  /** seconds until the window ends, when not allowed (0 when allowed) */
  retryAfterSecs: number;
}

type HitCommand = (key: string, windowMs: string, limit: string) => Promise<[number, number]>;

/**
 * Fixed-window counters in Redis, shared by every replica: one round trip per bucket (the script
 * is sent by its SHA1, EVALSHA, and loaded again by ioredis if Redis lost it).
 */
@Injectable()
export class RateLimitService {
  private readonly hitScript: HitCommand;

  constructor(private readonly redis: RedisService) {
    const name = 'agentcyRateLimitHit';
    if (!(name in redis.client)) {
      redis.client.defineCommand(name, { numberOfKeys: 1, lua: HIT });
    }
    const client = redis.client as unknown as Record<string, HitCommand>;
    this.hitScript = (key, windowMs, limit) => client[name](key, windowMs, limit);
  }

  /** The Redis key of a bucket (for scripts that count in it with RATE_LIMIT_HIT_LUA). */
  keyOf(bucket: string): string {
    return this.redis.key('rl', bucket);
  }

  async hit(bucket: string, limit: number, windowMs = 60_000): Promise<RateLimitResult> {
    const [count, ttl] = await this.hitScript(this.keyOf(bucket), String(windowMs), String(limit));
    const allowed = count <= limit;
    return { allowed, count, limit, retryAfterSecs: allowed ? 0 : Math.max(1, Math.ceil(ttl / 1000)) };
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
