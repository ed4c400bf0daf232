import { TransactionHost } from '@libs/database/transaction';
import { EventBus } from '@libs/redis/event-bus.service';
import { Injectable, Logger, Module } from '@nestjs/common';

/**
 * Something a verified caller depends on: a user row, an org, an API key, a session (logout), a
 * `/hooks` trigger (its secret, state or target), the agents of an org or its settings document
 * (for these two, `id` is the org's), a chat conversation (its title, realm, archived flag or deletion).
 */
export interface PrincipalChange {
  kind: 'user' | 'org' | 'api_key' | 'session' | 'hook_trigger' | 'agent' | 'org_settings' | 'conversation';
  id: string;
}

export const PRINCIPAL_CHANGES_CHANNEL = 'auth:principal-changes';

type Listener = (change: PrincipalChange) => void;

/**
 * Announces to every replica that a user (role, disabled, token version, deletion, password), an
 * org (disabled, purged), an API key (revoked, rotated, edited), a session (logged out) or a `/hooks`
 * trigger (rotated, paused, edited, deleted), an org's agent (created, edited, deleted), an org's
 * settings or a chat conversation (edited, deleted) changed, so replicas drop what they cached of it
 * (PrincipalCache in the auth module, HookTriggers in the webhooks module, ResolvedAgentsCache in the
 * agents module, OrgSettingsCache in the orgs module, ConversationsCache in the chat module).
 * Sent after the change commits. Listeners of this process hear it at once; other replicas through Redis pub/sub.
 * Best effort: an announcement lost with Redis is bounded by the cache's TTL.
 */
@Injectable()
export class PrincipalChanges {
  private readonly logger = new Logger(PrincipalChanges.name);
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly bus: EventBus,
    private readonly txHost: TransactionHost,
  ) {}

  announce(kind: PrincipalChange['kind'], id: string): Promise<void> {
    const change: PrincipalChange = { kind, id };
    return this.txHost.afterCommit(async () => {
      this.deliver(change);
      try {
        await this.bus.publish(PRINCIPAL_CHANGES_CHANNEL, change);
      } catch (err) {
        this.logger.warn(`announcing a ${kind} change failed: ${(err as Error).message}`);
      }
    });
  }

  /**
   * Hears every replica's announcements (and this one's); `onGap` runs when announcements may
   * have been missed (the subscriber reconnected). Resolves once subscribed.
   */
  async listen(listener: Listener, onGap: () => void): Promise<() => Promise<void>> {
    this.listeners.add(listener);
    const unsubscribe = await this.bus.subscribe(PRINCIPAL_CHANGES_CHANNEL, (msg) => {
      const change = msg as Partial<PrincipalChange>;
      if (typeof change.id === 'string' && typeof change.kind === 'string') {
        listener(change as PrincipalChange);
      }
    });
    const offGap = this.bus.onReconnect(onGap);
    return async () => {
      this.listeners.delete(listener);
      offGap();
      await unsubscribe();
    };
  }

  private deliver(change: PrincipalChange): void {
    for (const listener of this.listeners) {
      listener(change);
    }
  }
}

/** Import it where users, orgs, API keys or sessions change, and where callers are cached. */
@Module({ providers: [PrincipalChanges], exports: [PrincipalChanges] })
export class PrincipalChangesModule {}
