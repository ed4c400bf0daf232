import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import { TurnEventsService } from './turn-events.service';

export const CANCEL_POLL_MS = 500;

/** One watched turn: `signal` aborts when its cancel flag is seen; `stop()` when the turn's loop is over. */
export interface TurnWatchHandle {
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * The SSE keep-alive pings and the cancel poll of every turn this replica runs, on two shared timers:
 * a `ping` goes into each turn that sent nothing for SSE_PING_INTERVAL_MS (checked every quarter of
 * it), and every 500 ms one Redis MGET reads the cancel flags of all of them (a cancel also aborts a
 * model call that is already streaming). Per-turn timers cost two Timeouts per turn and one Redis
 * round trip per turn every 500 ms (2,000 commands/s with 1,000 open streams).
 */
@Injectable()
export class TurnWatch implements OnModuleDestroy {
  private readonly logger = new Logger(TurnWatch.name);
  private readonly turns = new Map<string, AbortController>();
  private pingTimer: NodeJS.Timeout | undefined;
  private cancelTimer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly events: TurnEventsService,
    private readonly runtime: ChatRuntime,
    private readonly config: AppConfig,
  ) {}

  watch(turnId: string): TurnWatchHandle {
    const abort = new AbortController();
    this.turns.set(turnId, abort);
    this.startTimers();
    return {
      signal: abort.signal,
      stop: () => {
        if (this.turns.get(turnId) === abort) {
          this.turns.delete(turnId);
        }
        if (!this.turns.size) {
          this.stopTimers();
        }
      },
    };
  }

  private startTimers(): void {
    if (this.pingTimer) {
      return;
    }
    const pingMs = this.config.ssePingIntervalMs;
    this.pingTimer = setInterval(() => this.ping(pingMs), Math.max(25, Math.floor(pingMs / 4)));
    this.pingTimer.unref();
    this.cancelTimer = setInterval(() => void this.pollCancels(), CANCEL_POLL_MS);
    this.cancelTimer.unref();
  }

  private stopTimers(): void {
    clearInterval(this.pingTimer);
    clearInterval(this.cancelTimer);
    this.pingTimer = this.cancelTimer = undefined;
  }

  private ping(pingMs: number): void {
    for (const turnId of this.turns.keys()) {
      if (this.events.msSinceLastEvent(turnId) >= pingMs) {
        try {
          this.events.emit(turnId, 'ping', {});
        } catch (err) {
          this.logger.warn(`ping of turn ${turnId} failed: ${(err as Error).message}`);
        }
      }
    }
  }

  private async pollCancels(): Promise<void> {
    if (this.polling || !this.turns.size) {
      return;
    }
    this.polling = true;
    try {
      for (const turnId of await this.runtime.cancelledAmong([...this.turns.keys()])) {
        this.turns.get(turnId)?.abort();
      }
    } catch {
      // Redis unavailable: the next poll tries again
    } finally {
      this.polling = false;
    }
  }

  onModuleDestroy() {
    this.stopTimers();
  }
}
