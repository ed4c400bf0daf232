import { EventBus } from '@libs/redis/event-bus.service';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';

const CHANNEL = 'workers:queued';

/**
 * Wakes long-polling claims when a job becomes claimable on any replica (enqueue, retry, a lease
 * released): one Redis pub/sub subscription per process, in-process waiters per queue. A claim
 * also re-checks on a short timer, so a lost message only delays it.
 */
@Injectable()
export class ClaimSignal implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ClaimSignal.name);
  private readonly waiters = new Set<{ queues: string[]; wake: () => void }>();
  private unsubscribe?: () => Promise<void>;
  private closing = false;

  constructor(private readonly bus: EventBus) {}

  async onModuleInit() {
    try {
      this.unsubscribe = await this.bus.subscribe(CHANNEL, (msg) => this.local((msg as { queue?: string }).queue));
    } catch (err) {
      this.logger.warn(`claim wake-ups off (polling only): ${(err as Error).message}`);
    }
  }

  async onModuleDestroy() {
    this.closing = true;
    for (const w of this.waiters) {
      w.wake();
    }
    await this.unsubscribe?.().catch(() => undefined);
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Tells every replica a job of `queue` may be claimed. */
  async notify(queue: string): Promise<void> {
    this.local(queue);
    await this.bus.publish(CHANNEL, { queue }).catch(() => undefined);
  }

  /** Resolves on a wake-up for one of `queues`, after `ms`, or when `signal` aborts. */
  wait(queues: string[], ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter = {
        queues,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, Math.max(0, ms));
      if (this.closing || signal?.aborted) {
        waiter.wake();
        return;
      }
      signal?.addEventListener('abort', waiter.wake);
      this.waiters.add(waiter);
    });
  }

  private local(queue: string | undefined) {
    for (const w of [...this.waiters]) {
      if (!queue || w.queues.includes(queue)) {
        w.wake();
      }
    }
  }
}
