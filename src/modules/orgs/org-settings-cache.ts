import { AnnouncedCache } from '@libs/auth/announced-cache';
import { PrincipalChanges, type PrincipalChange } from '@libs/auth/principal-changes';
import { Injectable } from '@nestjs/common';
import type { OrgSettingsRow } from './orgs.repository';

/**
 * Orgs' settings documents as read outside a transaction (every chat turn reads its org's approval
 * and model settings, twice). Dropped on every replica when the settings are written
 * (PrincipalChanges `org_settings`, announced after the write commits) or the org changes (`org`);
 * see AnnouncedCache for the TTL and the overlap rule.
 */
@Injectable()
export class OrgSettingsCache extends AnnouncedCache<OrgSettingsRow | null> {
  constructor(changes: PrincipalChanges) {
    super(changes, 30_000);
  }

  protected tagOf(change: PrincipalChange): string | undefined {
    return change.kind === 'org_settings' || change.kind === 'org' ? change.id : undefined;
  }

  /** Announces, after the surrounding transaction commits, that the org's settings changed. */
  changed(orgId: string): Promise<void> {
    return this.changes.announce('org_settings', orgId);
  }

  get(orgId: string, load: () => Promise<OrgSettingsRow | null>): Promise<OrgSettingsRow | null> {
    return this.through(orgId, orgId, load);
  }
}
