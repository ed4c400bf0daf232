import { AppConfig } from '@libs/config';
import { RedisService } from '@libs/redis';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Per-process runtime facts shared through Redis: this replica's instance id and its liveness key
 * (`chat:instance:<id>`, refreshed every TTL/3; a dead replica's key lapses and the sweeper adopts
 * its turns), and the cancel flags of turns (`chat:cancel:<turnId>`), settable from any replica.
 */
@Injectable()
export class ChatRuntime implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChatRuntime.name);
  /**
   * `<redis prefix>|<host>:<pid>:<random>`. Liveness keys live under the Redis prefix, so a replica
   * can only judge (and adopt) turns of replicas that share its prefix.
   */
  readonly instanceId: string;
  private readonly scope: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.scope = `${config.redisPrefix}|`;
    this.instanceId = `${this.scope}${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** True when `instanceId` belongs to a replica of this deployment (same Redis prefix). */
  sameDeployment(instanceId: string): boolean {
    return instanceId.startsWith(this.scope);
  }

  private instanceKey(id: string): string {
    return this.redis.key('chat', 'instance', id);
  }

  private cancelKey(turnId: string): string {
    return this.redis.key('chat', 'cancel', turnId);
  }

  async onModuleInit() {
    await this.heartbeat();
    this.timer = setInterval(
      () => void this.heartbeat(),
      Math.max(100, Math.floor(this.config.chat.instanceTtlMs / 3)),
    );
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.redis.client.set(this.instanceKey(this.instanceId), '1', 'PX', this.config.chat.instanceTtlMs);
    } catch (err) {
      this.logger.warn(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  async isAlive(instanceId: string): Promise<boolean> {
    if (instanceId === this.instanceId) {
      return true;
    }
    return (await this.redis.client.exists(this.instanceKey(instanceId))) === 1;
  }

  async requestCancel(turnId: string): Promise<void> {
    await this.redis.client.set(this.cancelKey(turnId), '1', 'EX', 24 * 3600);
  }

  async isCancelled(turnId: string): Promise<boolean> {
    return (await this.redis.client.exists(this.cancelKey(turnId))) === 1;
  }

  /** The turns among `turnIds` whose cancel flag is set (one MGET per 1,000 turns). */
  async cancelledAmong(turnIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < turnIds.length; i += 1000) {
      const ids = turnIds.slice(i, i + 1000);
      const flags = await this.redis.client.mget(ids.map((id) => this.cancelKey(id)));
      ids.forEach((id, j) => flags[j] !== null && out.push(id));
    }
    return out;
  }

  async onModuleDestroy() {
    if (this.timer) {
      clearInterval(this.timer);
    }
    // a clean shutdown releases liveness at once so another replica can adopt running turns
    await this.redis.client.del(this.instanceKey(this.instanceId)).catch(() => undefined);
  }
}
