import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisService } from './redis.service';

type Handler = (message: unknown) => void;

/**
 * Cross-replica pub/sub over Redis. Channels are plain names (e.g. `org:<id>:events`,
 * `approval:<id>`); messages are JSON. One subscriber connection per process.
 */
@Injectable()
export class EventBus implements OnModuleDestroy {
  private readonly logger = new Logger(EventBus.name);
  private sub: Redis | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectListeners = new Set<() => void>();

  constructor(private readonly redis: RedisService) {}

  private subscriber(): Redis {
    if (!this.sub) {
      this.sub = this.redis.duplicate('sub');
      let connectedBefore = false;
      this.sub.on('ready', () => {
        if (connectedBefore) {
          this.reconnectListeners.forEach((listener) => listener());
        }
        connectedBefore = true;
      });
      this.sub.on('message', (channel: string, raw: string) => {
        const set = this.handlers.get(channel);
        if (!set) {
          return;
        }
        let msg: unknown;
        try {
          msg = JSON.parse(raw);
        } catch {
          return;
        }
        for (const h of set) {
          try {
            h(msg);
          } catch (err) {
            this.logger.warn(`handler on ${channel} failed: ${(err as Error).message}`);
          }
        }
      });
    }
    return this.sub;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.redis.client.publish(this.redis.key(channel), JSON.stringify(message));
  }

  /** Subscribes; resolves once Redis confirmed the subscription. Returns an unsubscribe function. */
  async subscribe(channel: string, handler: Handler): Promise<() => Promise<void>> {
    const full = this.redis.key(channel);
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await this.subscriber().subscribe(full);
    }
    set.add(handler);
    return async () => {
      const s = this.handlers.get(full);
      if (!s) {
        return;
      }
      s.delete(handler);
      if (s.size === 0) {
        this.handlers.delete(full);
        await this.sub?.unsubscribe(full).catch(() => undefined);
      }
    };
  }

  /**
   * Called each time the subscriber connection comes back after a loss: messages published while
   * it was down are gone, so a subscriber that mirrors state (a cache) must start over.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  onModuleDestroy() {
    this.handlers.clear();
  }
}
