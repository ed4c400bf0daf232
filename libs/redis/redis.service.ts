import { AppConfig } from '@libs/config';
import { StoreMetrics } from '@libs/metrics/store-metrics';
import { Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import Redis from 'ioredis';

/** The one place that knows Redis: a command client, pub/sub subscribers, and key prefixing. */
@Injectable()
export class RedisService implements OnModuleDestroy {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis;
  private readonly extra: Redis[] = [];

  constructor(
    private readonly config: AppConfig,
    @Optional() metrics?: StoreMetrics,
  ) {
    this.client = this.connect('cmd');
    metrics?.trackRoundTrip('redis', () => this.ping());
  }

  private connect(name: string): Redis {
    const c = new Redis(this.config.redisUrl, {
      connectionName: `agentcy-${name}`,
      maxRetriesPerRequest: 3,
      enableReadyCheck: true,
      lazyConnect: false,
    });
    c.on('error', (err) => this.logger.warn(`redis ${name}: ${err.message}`));
    return c;
  }

  /** Prefixes a key so test runs and installs can share one Redis. */
  key(...parts: string[]): string {
    return [this.config.redisPrefix, ...parts].join(':');
  }

  /** A dedicated connection for SUBSCRIBE (or blocking commands); closed with the module. */
  duplicate(name: string): Redis {
    const c = this.connect(name);
    this.extra.push(c);
    // forget it once closed (quit/disconnect by its user), so short-lived connections do not pile up
    c.once('end', () => {
      const i = this.extra.indexOf(c);
      if (i >= 0) {
        this.extra.splice(i, 1);
      }
    });
    return c;
  }

  /** Connection options for BullMQ (it needs maxRetriesPerRequest null). */
  bullConnection() {
    const u = new URL(this.config.redisUrl);
    return {
      host: u.hostname,
      port: Number(u.port || 6379),
      password: u.password || undefined,
      db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
      maxRetriesPerRequest: null,
    };
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async onModuleDestroy() {
    await Promise.allSettled([this.client, ...this.extra].map((c) => c.quit()));
  }
}
