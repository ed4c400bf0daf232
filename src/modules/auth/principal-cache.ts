import { PrincipalChange, PrincipalChanges } from '@libs/auth/principal-changes';
import { AppConfig } from '@libs/config';
import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { ApiKeyEntity } from 'src/modules/api-keys/api-key.entity';
import type { UserEntity } from 'src/modules/orgs/user.entity';

export interface AuthUserRow {
  user: UserEntity;
  orgDisabled: boolean;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** entries per map before it is emptied: bounds memory whatever the callers do */
const MAX_ENTRIES = 20_000;

/**
 * What a replica may reuse between requests of the same caller: the user row with its org's
 * state, the API key row (by key hash) and whether a session was logged out. Without it every
 * authenticated request read the user row from PostgreSQL and the logout list from Redis.
 *
 * Correctness rests on invalidation, not on the TTL: every change is announced after commit
 * (PrincipalChanges) and dropped here on every replica; a load that started before a change is
 * not stored (epoch check), and a reconnect of the subscriber empties everything. The TTL
 * (AUTH_CACHE_TTL_MS) only bounds an announcement lost while Redis was unreachable.
 * Misses (unknown key hashes, unknown users) are never stored, so guessing cannot fill it.
 */
@Injectable()
export class PrincipalCache implements OnModuleInit, OnModuleDestroy {
  private readonly users = new Map<string, Entry<AuthUserRow>>();
  private readonly apiKeys = new Map<string, Entry<ApiKeyEntity>>();
  private readonly loggedOut = new Map<string, Entry<boolean>>();
  /** bumped by every invalidation: a load that saw an older epoch is not stored */
  private epoch = 0;
  private stopListening?: () => Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly changes: PrincipalChanges,
  ) {}

  async onModuleInit() {
    if (this.config.authCacheTtlMs > 0) {
      this.stopListening = await this.changes.listen(
        (change) => this.invalidate(change),
        () => this.clear(),
      );
    }
  }

  async onModuleDestroy() {
    await this.stopListening?.();
    this.clear();
  }

  user(id: string, load: () => Promise<AuthUserRow | null>): Promise<AuthUserRow | null> {
    return this.through(this.users, id, load);
  }

  apiKey(hash: string, load: () => Promise<ApiKeyEntity | null>): Promise<ApiKeyEntity | null> {
    return this.through(this.apiKeys, hash, load);
  }

  async isLoggedOut(sessionId: string, load: () => Promise<boolean>): Promise<boolean> {
    return (await this.through(this.loggedOut, sessionId, load)) === true;
  }

  invalidate(change: PrincipalChange): void {
    this.epoch++;
    switch (change.kind) {
      case 'user':
        this.users.delete(change.id);
        break;
      case 'org':
        for (const [id, e] of this.users) {
          if (e.value.user.orgId === change.id) {
            this.users.delete(id);
          }
        }
        for (const [hash, e] of this.apiKeys) {
          if (e.value.orgId === change.id) {
            this.apiKeys.delete(hash);
          }
        }
        break;
      case 'api_key':
        for (const [hash, e] of this.apiKeys) {
          if (e.value.id === change.id) {
            this.apiKeys.delete(hash);
          }
        }
        break;
      case 'session':
        this.loggedOut.delete(change.id);
        break;
      case 'hook_trigger':
      case 'agent':
      case 'org_settings':
      case 'conversation':
        break; // not a caller this cache holds (HookTriggers, ResolvedAgentsCache, OrgSettingsCache, ConversationsCache drop these)
    }
  }

  clear(): void {
    this.epoch++;
    this.users.clear();
    this.apiKeys.clear();
    this.loggedOut.clear();
  }

  private async through<V>(map: Map<string, Entry<V>>, key: string, load: () => Promise<V | null>): Promise<V | null> {
    const ttl = this.config.authCacheTtlMs;
    const hit = map.get(key);
    if (hit && hit.expiresAt > Date.now()) {
      return hit.value;
    }
    const epoch = this.epoch;
    const value = await load();
    if (ttl > 0 && value !== null && value !== undefined && epoch === this.epoch) {
      if (map.size >= MAX_ENTRIES) {
        map.clear();
      }
      map.set(key, { value, expiresAt: Date.now() + ttl });
    }
    return value;
  }
}
