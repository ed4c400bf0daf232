import { AnnouncedCache } from '@libs/auth/announced-cache';
import { PrincipalChanges } from '@libs/auth/principal-changes';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { OrgSettingsRow } from './orgs.repository';

/**
 * Orgs' settings documents as read outside a transaction (every chat turn reads its org's approval
 * and model settings, twice). Dropped on every replica when the settings are written
 * (PrincipalChanges `org_settings`, announced after the write commits) or the org changes (`org`);
 * see AnnouncedCache for the TTL and the overlap rule.
 */
@Injectable()
export class OrgSettingsCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(OrgSettingsCache.name);
  private readonly cache = new AnnouncedCache<OrgSettingsRow | null>(30_000);
  private stopListening: (() => Promise<void>) | undefined;

  constructor(private readonly changes: PrincipalChanges) {}

  async onModuleInit(): Promise<void> {
    this.stopListening = await this.cache.listen(this.changes, (change) =>
      change.kind === 'org_settings' || change.kind === 'org' ? change.id : undefined,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopListening?.().catch((err: Error) => this.logger.warn(err.message));
  }

  /** Announces, after the surrounding transaction commits, that the org's settings changed. */
  changed(orgId: string): Promise<void> {
    return this.changes.announce('org_settings', orgId);
  }

  get(orgId: string, load: () => Promise<OrgSettingsRow | null>): Promise<OrgSettingsRow | null> {
    return this.cache.get(orgId, orgId, load);
  }
}
