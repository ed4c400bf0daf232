import { TransactionHost } from '@libs/database/transaction';
import { EventBus } from '@libs/redis/event-bus.service';
import { Injectable, Logger, Module } from '@nestjs/common';

export const POLICY_CHANGES_CHANNEL = 'policies:changes';

type Listener = (orgId: string) => void;

/**
 * Announces to every replica that an org's policies changed (created, edited, enabled, disabled,
 * deleted, seeded), after the change commits, so each drops its compiled set of that org.
 * Listeners of this process hear it at once; other replicas through Redis pub/sub. A lost
 * announcement is bounded by the compiled-set TTL.
 */
@Injectable()
export class PolicyChanges {
  private readonly logger = new Logger(PolicyChanges.name);
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly bus: EventBus,
    private readonly txHost: TransactionHost,
  ) {}

  announce(orgId: string): Promise<void> {
    return this.txHost.afterCommit(async () => {
      this.listeners.forEach((l) => l(orgId));
      try {
        await this.bus.publish(POLICY_CHANGES_CHANNEL, { org_id: orgId });
      } catch (err) {
        this.logger.warn(`announcing a policy change failed: ${(err as Error).message}`);
      }
    });
  }

  /** Hears every replica's announcements; `onGap` runs when some may have been missed. */
  async listen(listener: Listener, onGap: () => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    const unsubscribe = await this.bus.subscribe(POLICY_CHANGES_CHANNEL, (msg) => {
      const orgId = (msg as { org_id?: unknown }).org_id;
      if (typeof orgId === 'string') {
        listener(orgId);
      }
    });
    const offGap = this.bus.onReconnect(onGap);
    return async () => {
      this.listeners.delete(listener);
      offGap();
      await unsubscribe();
    };
  }
}

/** Import it where policies change (the store) and where compiled sets are cached (the engine). */
@Module({ providers: [PolicyChanges], exports: [PolicyChanges] })
export class PolicyChangesModule {}
