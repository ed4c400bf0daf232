import { MetricsModule } from '@libs/metrics/metrics.module';
import { QueueMetrics } from '@libs/metrics/queue-metrics';
import { RATE_LIMIT_HIT_LUA } from '@libs/rate-limit/rate-limit.service';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable, Logger, Module, OnModuleDestroy, Optional } from '@nestjs/common';
import type Redis from 'ioredis';

/** One accepted call waiting in the inbox: flat string fields, as a Redis stream entry holds them. */
export type InboxFields = Record<string, string>;

/** What an append must pass in the same step, or it stores nothing. */
export interface AppendGuards {
  /** fixed-window rate-limit buckets (keys from RateLimitService.keyOf), each counted once */
  limits?: { key: string; limit: number; windowMs: number }[];
  /** a key set once (SET NX) for `ttlMs`: a second append with it is refused as a replay */
  once?: { key: string; ttlMs: number };
}

export type AppendOutcome = 'accepted' | 'rate_limited' | 'replayed';

export interface InboxEntry {
  id: string;
  orgId: string;
  fields: InboxFields;
}

const GROUP = 'intake';
const CLAIM_IDLE_MS = 30_000;

// One step: the rate-limit hits, the replay key, then XADD and the org's "accepted" counter, so an
// entry is never stored over a limit and a reader never sees it uncounted.
// KEYS: stream, accepted counter, limit keys…, [once key]; ARGV: org, #limits, (limit, window)…,
// once ttl or '', field pairs…
const APPEND = `${RATE_LIMIT_HIT_LUA}
local nl = tonumber(ARGV[2])
local over = false
for i = 1, nl do
  local n = rate_limit_hit(KEYS[2 + i], ARGV[2 + 2 * i], ARGV[1 + 2 * i])
  if n > tonumber(ARGV[1 + 2 * i]) then over = true end
end
if over then return 'rate_limited' end
local a = 3 + 2 * nl
if ARGV[a] ~= '' and not redis.call('SET', KEYS[3 + nl], '1', 'PX', ARGV[a], 'NX') then
  return 'replayed'
end
redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], '*', 'org', ARGV[1], unpack(ARGV, a + 1))
return 'accepted'`;

// ack, delete and count as settled in one step: the counter never runs ahead of the rows
const SETTLE = `
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('INCR', KEYS[2])
end
return 1`;

/** The append script queued on a pipeline (the reply comes with the pipeline's). */
type PipelinedAppend = (...args: (number | string | Buffer)[]) => unknown;
type SettleCommand = (stream: string, settled: string, group: string, id: string) => Promise<number>;

/**
 * The inbox of signed `/hooks` calls accepted on the fast lane (docs/webhooks.md): a Redis stream
 * read by a consumer group, so an accepted call waits until some process turns it into its
 * delivery and run rows, and a process that dies mid-entry leaves it to be claimed by another
 * (after CLAIM_IDLE_MS). Per org, `accepted` and `settled` counters let a reader wait until every
 * call accepted before its read is written (`caughtUp`): a client that got 202 then reads the run
 * or the delivery finds it.
 */
@Injectable()
export class HookInbox implements OnModuleDestroy {
  private readonly logger = new Logger(HookInbox.name);
  private readonly settle_: SettleCommand;
  private reader: Redis | undefined;
  private batch: {
    args: (number | string | Buffer)[];
    resolve: (o: AppendOutcome) => void;
    reject: (e: Error) => void;
  }[] = [];
  private stopped = false;
  private groupReady: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisService,
    @Optional() metrics?: QueueMetrics,
  ) {
    const client = redis.client as unknown as Record<string, unknown>;
    if (!('agentcyInboxAppend' in client)) {
      redis.client.defineCommand('agentcyInboxAppend', { lua: APPEND }); // key count given per call
      redis.client.defineCommand('agentcyInboxSettle', { numberOfKeys: 2, lua: SETTLE });
    }
    this.settle_ = (...a) => (client.agentcyInboxSettle as SettleCommand)(...a);
    metrics?.track('hook-inbox', async () => ({ waiting: await this.redis.client.xlen(this.stream) }));
  }

  private get stream(): string {
    return this.redis.key('hook-inbox');
  }

  private counter(kind: 'accepted' | 'settled', orgId: string): string {
    return this.redis.key('hook-inbox', kind, orgId);
  }

  /**
   * Stores one accepted call unless a guard refuses it (then nothing is stored); resolves once
   * Redis holds it. Field values may be Buffers (a body goes as its bytes).
   */
  append(orgId: string, fields: Record<string, string | Buffer>, guards: AppendGuards = {}): Promise<AppendOutcome> {
    const limits = guards.limits ?? [];
    const keys: string[] = [this.stream, this.counter('accepted', orgId), ...limits.map((l) => l.key)];
    const args: (string | Buffer)[] = [orgId, String(limits.length)];
    for (const l of limits) {
      args.push(String(l.limit), String(l.windowMs));
    }
    if (guards.once) {
      keys.push(guards.once.key);
      args.push(String(guards.once.ttlMs));
    } else {
      args.push('');
    }
    for (const k in fields) {
      args.push(k, fields[k]);
    }
    return new Promise<AppendOutcome>((resolve, reject) => {
      this.batch.push({ args: [keys.length, ...keys, ...args], resolve, reject });
      if (this.batch.length === 1) {
        setImmediate(this.flush);
      }
    });
  }

  /**
   * Sends the appends of one event-loop turn together (one pipeline, one socket write): under load
   * the calls that finished reading their bodies in the same turn share the write's cost, on this
   * side and on Redis's; alone, a call waits for nothing but the end of its turn (a pipeline of one).
   */
  private readonly flush = (): void => {
    const batch = this.batch;
    this.batch = [];
    const pipeline = this.redis.client.pipeline() as unknown as Record<'agentcyInboxAppend', PipelinedAppend> & {
      exec(): Promise<[Error | null, unknown][] | null>;
    };
    for (const b of batch) {
      pipeline.agentcyInboxAppend(...b.args);
    }
    pipeline.exec().then(
      (results) =>
        batch.forEach((b, i) => {
          const [err, outcome] = results?.[i] ?? [new Error('no reply'), undefined];
          if (err) {
            b.reject(err);
          } else {
            b.resolve(outcome as AppendOutcome);
          }
        }),
      (err: Error) => batch.forEach((b) => b.reject(err)),
    );
  };

  /**
   * Waits (polling, up to `maxWaitMs`) until every call of the org accepted before now is settled.
   * Returns false when it gave up (no consumer running, or one stuck).
   */
  async caughtUp(orgId: string, maxWaitMs = 3_000): Promise<boolean> {
    const keys = [this.counter('accepted', orgId), this.counter('settled', orgId)];
    const [accepted, settled] = (await this.redis.client.mget(...keys)).map((v) => Number(v ?? 0));
    if (settled >= accepted) {
      return true;
    }
    const deadline = Date.now() + maxWaitMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      if (Number((await this.redis.client.get(keys[1])) ?? 0) >= accepted) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads entries until `stop()`, hands each to `handle` (which must be idempotent: an entry whose
   * process died is handled again elsewhere), and settles it once `handle` returned. An entry whose
   * handler throws stays pending and is claimed again after CLAIM_IDLE_MS.
   */
  consume(consumer: string, handle: (entry: InboxEntry) => Promise<void>, batch = 20): void {
    this.reader = this.redis.duplicate('hook-inbox');
    const reader = this.reader;
    let lastClaim = 0;
    const loop = async () => {
      await this.ensureGroup();
      while (!this.stopped) {
        try {
          let entries: [string, string[]][] = [];
          if (Date.now() - lastClaim > CLAIM_IDLE_MS / 3) {
            lastClaim = Date.now();
            const claimed = (await reader.xautoclaim(
              this.stream,
              GROUP,
              consumer,
              CLAIM_IDLE_MS,
              '0',
              'COUNT',
              batch,
            )) as [string, [string, string[]][]];
            entries = claimed[1].filter((e) => e && e[1]);
          }
          if (!entries.length) {
            const read = (await reader.xreadgroup(
              'GROUP',
              GROUP,
              consumer,
              'COUNT',
              batch,
              'BLOCK',
              2_000,
              'STREAMS',
              this.stream,
              '>',
            )) as [string, [string, string[]][]][] | null;
            entries = read?.[0]?.[1] ?? [];
          }
          for (const [id, flat] of entries) {
            const fields: InboxFields = {};
            for (let i = 0; i + 1 < flat.length; i += 2) {
              fields[flat[i]] = flat[i + 1];
            }
            const { org, ...rest } = fields;
            try {
              await handle({ id, orgId: org, fields: rest });
              await this.settle_(this.stream, this.counter('settled', org), GROUP, id);
            } catch (err) {
              this.logger.warn(`inbox entry ${id} not handled (claimed again later): ${(err as Error).message}`);
            }
          }
        } catch (err) {
          if (this.stopped) {
            return;
          }
          this.logger.warn(`hook inbox read failed: ${(err as Error).message}`);
          if (/NOGROUP/.test((err as Error).message)) {
            this.groupReady = undefined;
            await this.ensureGroup();
          }
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    };
    void loop();
  }

  private ensureGroup(): Promise<void> {
    this.groupReady ??= this.redis.client.xgroup('CREATE', this.stream, GROUP, '0', 'MKSTREAM').then(
      () => undefined,
      (err: Error) => {
        if (!/BUSYGROUP/.test(err.message)) {
          this.groupReady = undefined;
          throw err;
        }
      },
    );
    return this.groupReady;
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.reader?.disconnect();
  }
}

/** Import it where `/hooks` calls are appended or consumed, and where their rows are read. */
@Module({ imports: [MetricsModule], providers: [HookInbox], exports: [HookInbox] })
export class HookInboxModule {}
