import { AnnouncedCache } from '@libs/auth/announced-cache';
import { PrincipalChanges, type PrincipalChange } from '@libs/auth/principal-changes';
import { Injectable } from '@nestjs/common';
import type { ResolvedAgent } from './agents.contract';

/**
 * Agents as `AgentsService.resolve` returned them, by org and the id or name asked for (every turn
 * start resolves its agent; this saves that round trip). An org's entries are dropped on every
 * replica when one of its agents changes (PrincipalChanges `agent`, announced after the change
 * commits) or the org does (`org`); see AnnouncedCache for the TTL and the overlap rule.
 */
@Injectable()
export class ResolvedAgentsCache extends AnnouncedCache<ResolvedAgent> {
  constructor(changes: PrincipalChanges) {
    super(changes, 30_000);
  }

  protected tagOf(change: PrincipalChange): string | undefined {
    return change.kind === 'agent' || change.kind === 'org' ? change.id : undefined;
  }

  /** Announces, after the surrounding transaction commits, that an agent of the org changed. */
  changed(orgId: string): Promise<void> {
    return this.changes.announce('agent', orgId);
  }

  /** The cached agent, or else `load`'s. Names are matched case-insensitively, as the store does. */
  get(orgId: string, idOrName: string, load: () => Promise<ResolvedAgent>): Promise<ResolvedAgent> {
    return this.through(`${orgId}\u0000${idOrName.toLowerCase()}`, orgId, load);
  }
}
