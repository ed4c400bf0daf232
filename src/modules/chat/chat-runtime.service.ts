import { RedisService } from '@libs/redis';
import { ReplicaPresence } from '@libs/redis/replica-presence';
import { Injectable } from '@nestjs/common';

/**
 * Per-process runtime facts shared through Redis: this replica's instance id and liveness
 * (delegated to the shared `ReplicaPresence`, libs/redis: a dead replica's key lapses and the
 * sweeper adopts its turns), and the cancel flags of turns (`chat:cancel:<turnId>`), settable from
 * any replica.
 */
@Injectable()
export class ChatRuntime {
  constructor(
    private readonly redis: RedisService,
    private readonly presence: ReplicaPresence,
  ) {}

  /**
   * `<redis prefix>|<host>:<pid>:<random>`. Liveness keys live under the Redis prefix, so a replica
   * can only judge (and adopt) turns of replicas that share its prefix.
   */
  get instanceId(): string {
    return this.presence.instanceId;
  }

  /** True when `instanceId` belongs to a replica of this deployment (same Redis prefix). */
  sameDeployment(instanceId: string): boolean {
    return this.presence.sameDeployment(instanceId);
  }

  isAlive(instanceId: string): Promise<boolean> {
    return this.presence.isAlive(instanceId);
  }

  private cancelKey(turnId: string): string {
    return this.redis.key('chat', 'cancel', turnId);
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
}
