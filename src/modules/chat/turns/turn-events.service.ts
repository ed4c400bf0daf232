import { AppConfig } from '@libs/config';
import { RedisService } from '@libs/redis';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';

export interface TurnEvent {
  /** sequence number within the turn (SSE `id:`) */
  id: number;
  event: string;
  data: Record<string, unknown>;
}

export const TERMINAL_EVENT = 'message_end';

type Listener = (e: TurnEvent) => void;

/** In-process view of a turn this replica runs: every event so far plus live listeners. */
class LocalTurn {
  seq = 0;
  lastEmitAt = Date.now();
  readonly events: TurnEvent[] = [];
  readonly listeners = new Set<Listener>();
  ended = false;
  /** events not yet appended to the Redis stream, in order */
  readonly outbox: TurnEvent[] = [];
  /** the append loop while one runs: it empties `outbox`, then ends */
  appending: Promise<void> | undefined;
}

/**
 * Events of a turn. The replica running the turn keeps them in memory for its own HTTP response and
 * appends each one to a Redis Stream (`XADD <prefix>:chat:turn:<id>:events 0-<seq>`, TTL
 * CHAT_TURN_EVENTS_TTL_SECS) so any replica can replay and follow it (`XREAD BLOCK`).
 */
@Injectable()
export class TurnEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(TurnEventsService.name);
  private readonly local = new Map<string, LocalTurn>();
  private readonly readers = new Set<Redis>();

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  streamKey(turnId: string): string {
    return this.redis.key('chat', 'turn', turnId, 'events');
  }

  open(turnId: string, startSeq = 0): void {
    const t = new LocalTurn();
    t.seq = startSeq;
    this.local.set(turnId, t);
  }

  isLocal(turnId: string): boolean {
    return this.local.has(turnId);
  }

  msSinceLastEvent(turnId: string): number {
    const t = this.local.get(turnId);
    return t ? Date.now() - t.lastEmitAt : 0;
  }

  emit(turnId: string, event: string, data: Record<string, unknown>): TurnEvent {
    const t = this.local.get(turnId);
    if (!t) {
      throw new Error(`turn ${turnId} is not open on this replica`);
    }
    const e: TurnEvent = { id: ++t.seq, event, data };
    t.lastEmitAt = Date.now();
    t.events.push(e);
    for (const l of t.listeners) {
      try {
        l(e);
      } catch (err) {
        this.logger.warn(`turn listener failed: ${(err as Error).message}`);
      }
    }
    t.outbox.push(e);
    t.appending ??= this.appendLoop(turnId, t);
    return e;
  }

  /**
   * One loop per turn appends its events in order. Each round starts after the current I/O callback
   * (so the first XADD goes out after the HTTP response has written `message_start`, which it
   * subscribes to a few microtasks later) and writes every event queued by then in one round trip:
   * a model streaming faster than Redis answers costs a round trip per batch, not per delta.
   */
  private async appendLoop(turnId: string, t: LocalTurn): Promise<void> {
    const key = this.streamKey(turnId);
    try {
      while (t.outbox.length) {
        await new Promise((resolve) => setImmediate(resolve));
        const batch = t.outbox.splice(0);
        await this.append(key, batch).catch((err: Error) => this.logger.warn(`XADD ${key} failed: ${err.message}`));
      }
    } finally {
      t.appending = undefined;
    }
  }

  /**
   * XADDs in one round trip; with the first or the last event (or when asked), in MULTI with the
   * stream's EXPIRE. Rejects when Redis refused a command.
   */
  private async append(
    key: string,
    batch: TurnEvent[],
    expires = batch.some((e) => e.id === 1 || e.event === TERMINAL_EVENT),
  ): Promise<void> {
    const xadd = (e: TurnEvent) =>
      ['MAXLEN', '~', '20000', `0-${e.id}`, 'e', e.event, 'd', JSON.stringify(e.data)] as const;
    if (batch.length === 1 && !expires) {
      // most rounds (deltas, pings): one command, no MULTI/EXEC around it
      await this.redis.client.xadd(key, ...xadd(batch[0]));
      return;
    }
    const commands = expires ? this.redis.client.multi() : this.redis.client.pipeline();
    for (const e of batch) {
      commands.xadd(key, ...xadd(e));
    }
    if (expires) {
      commands.expire(key, this.config.chat.turnEventsTtlSecs);
    }
    const failed = (await commands.exec())?.find(([err]) => err)?.[0];
    if (failed) {
      throw failed;
    }
  }

  /** Marks the local turn finished; listeners get no more events. Kept briefly for late local readers. */
  async end(turnId: string): Promise<void> {
    const t = this.local.get(turnId);
    if (!t) {
      return;
    }
    t.ended = true;
    t.listeners.clear();
    await t.appending;
    setTimeout(() => this.local.delete(turnId), 5_000).unref();
  }

  /** Replays local events after `afterSeq`, then delivers live ones; returns an unsubscribe function. */
  subscribeLocal(turnId: string, afterSeq: number, listener: Listener): (() => void) | undefined {
    const t = this.local.get(turnId);
    if (!t) {
      return undefined;
    }
    for (const e of t.events) {
      if (e.id > afterSeq) {
        listener(e);
      }
    }
    if (t.ended) {
      return () => undefined;
    }
    t.listeners.add(listener);
    return () => t.listeners.delete(listener);
  }

  private parseEntries(entries: [string, string[]][] | null | undefined): TurnEvent[] {
    const out: TurnEvent[] = [];
    for (const [id, fields] of entries ?? []) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) {
        f[fields[i]] = fields[i + 1];
      }
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(f.d ?? '{}') as Record<string, unknown>;
      } catch {
        /* keep empty */
      }
      out.push({ id: Number(id.split('-')[1]), event: f.e ?? 'unknown', data });
    }
    return out;
  }

  /** Events of a turn stored in Redis after `afterSeq` (non-blocking). */
  async backlog(turnId: string, afterSeq = 0): Promise<TurnEvent[]> {
    const entries = (await this.redis.client.xrange(this.streamKey(turnId), `(0-${afterSeq}`, '+')) as [
      string,
      string[],
    ][];
    return this.parseEntries(entries);
  }

  async lastSeq(turnId: string): Promise<number> {
    const entries = (await this.redis.client.xrevrange(this.streamKey(turnId), '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return entries.length ? Number(entries[0][0].split('-')[1]) : 0;
  }

  /** Appends an event to a turn this replica does not run (recovery of a dead replica's turn). */
  async appendRemote(turnId: string, event: string, data: Record<string, unknown>): Promise<TurnEvent> {
    const e: TurnEvent = { id: (await this.lastSeq(turnId)) + 1, event, data };
    await this.append(this.streamKey(turnId), [e], true);
    return e;
  }

  /**
   * Follows a turn from Redis: yields stored events after `afterSeq`, then blocks on XREAD for new
   * ones until `message_end`, until `stillRunning()` says the turn is over (checked whenever a block
   * times out), or until `signal` aborts. Uses its own connection for the blocking reads.
   */
  async *follow(
    turnId: string,
    afterSeq: number,
    stillRunning: () => Promise<boolean>,
    signal: AbortSignal,
  ): AsyncGenerator<TurnEvent> {
    let last = afterSeq;
    for (const e of await this.backlog(turnId, last)) {
      yield e;
      last = e.id;
      if (e.event === TERMINAL_EVENT) {
        return;
      }
    }
    if (!(await stillRunning())) {
      // finished (or its events expired): whatever arrived meanwhile, then stop without blocking
      yield* this.drain(turnId, last);
      return;
    }
    const conn = this.redis.duplicate('chat-follow');
    this.readers.add(conn);
    const onAbort = () => conn.disconnect();
    signal.addEventListener('abort', onAbort);
    try {
      const blockMs = Math.max(200, Math.min(5_000, this.config.ssePingIntervalMs));
      while (!signal.aborted) {
        let res: [string, [string, string[]][]][] | null;
        try {
          res = (await conn.xread('BLOCK', blockMs, 'STREAMS', this.streamKey(turnId), `0-${last}`)) as
            [string, [string, string[]][]][] | null;
        } catch (err) {
          if (signal.aborted) {
            return;
          }
          throw err;
        }
        if (!res) {
          if (!(await stillRunning())) {
            // the turn ended (or its process died) without more events: flush what is left and stop
            yield* this.drain(turnId, last);
            return;
          }
          continue;
        }
        for (const e of this.parseEntries(res[0]?.[1])) {
          yield e;
          last = e.id;
          if (e.event === TERMINAL_EVENT) {
            return;
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.readers.delete(conn);
      conn.disconnect();
    }
  }

  /**
   * The rest of a turn that is no longer running. The turn row is marked finished just before
   * `message_end` is appended, so when the end is missing it looks once more after a short pause.
   */
  private async *drain(turnId: string, after: number): AsyncGenerator<TurnEvent> {
    let last = after;
    for (let attempt = 0; attempt < 2; attempt++) {
      const events = await this.backlog(turnId, last);
      for (const e of events) {
        yield e;
        last = e.id;
        if (e.event === TERMINAL_EVENT) {
          return;
        }
      }
      if (attempt === 0) {
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }

  onModuleDestroy() {
    for (const c of this.readers) {
      c.disconnect();
    }
    this.readers.clear();
  }
}
