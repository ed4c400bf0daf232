import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RedisService } from './redis.service';

/**
 * This process's presence among the replicas of one deployment: an instance id and a liveness key
 * in Redis (TTL `CHAT_INSTANCE_TTL_MS`, the name it had when only chat used it; refreshed every
 * third of it, deleted on a clean shutdown). Work that a process owns (chat turns, `/pipelines` runs) records the
 * instance id; a sweeper on another replica takes that work over once the owner's key has lapsed.
 */
@Injectable()
export class ReplicaPresence implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ReplicaPresence.name);
  /**
   * `<redis prefix>|<host>:<pid>:<random>`. Liveness keys live under the Redis prefix, so a replica
   * can only judge (and take over) the work of replicas that share its prefix.
   */
  readonly instanceId: string;
  private readonly scope: string;
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    this.scope = `${config.redisPrefix}|`;
    this.instanceId = `${this.scope}${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.ttlMs = config.replicaTtlMs;
  }

  /** True when `instanceId` belongs to a replica of this deployment (same Redis prefix). */
  sameDeployment(instanceId: string): boolean {
    return instanceId.startsWith(this.scope);
  }

  /**
   * The liveness key. Its name predates this provider (it was chat's) and stays as it is, so
   * replicas of the previous release and of this one keep seeing each other during a rolling deploy.
   */
  private instanceKey(id: string): string {
    return this.redis.key('chat', 'instance', id);
  }

  async onModuleInit() {
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.redis.client.set(this.instanceKey(this.instanceId), '1', 'PX', this.ttlMs);
    } catch (err) {
      this.logger.warn(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  /** Whether the replica `instanceId` refreshed its liveness key within the TTL (always true for this one). */
  async isAlive(instanceId: string): Promise<boolean> {
    if (instanceId === this.instanceId) {
      return true;
    }
    return (await this.redis.client.exists(this.instanceKey(instanceId))) === 1;
  }

  /**
   * For one sweep pass: whether `owner` is another replica of this deployment whose liveness key has
   * lapsed (one Redis read per owner and pass). This replica, another deployment's replicas and a
   * missing owner are never orphaning.
   */
  orphanCheck(): (owner: string | null) => Promise<boolean> {
    const alive = new Map<string, Promise<boolean>>();
    return async (owner) => {
      if (!owner || owner === this.instanceId || !this.sameDeployment(owner)) {
        return false;
      }
      let known = alive.get(owner);
      if (!known) {
        known = this.isAlive(owner);
        alive.set(owner, known);
      }
      return !(await known);
    };
  }

  async onModuleDestroy() {
    if (this.timer) {
      clearInterval(this.timer);
    }
    // a clean shutdown releases liveness at once so another replica can take over its work
    await this.redis.client.del(this.instanceKey(this.instanceId)).catch(() => undefined);
  }
}
