import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PolicyChanges } from './policy-changes';
import { CompiledPolicySet } from './policy-set';
import { PolicyStorePort } from './policy-store.port';

/** How long a compiled set is trusted without an announcement (bounds a lost one). */
export const COMPILED_SET_TTL_MS = 30_000;
const MAX_ORGS = 10_000;
export const TIME_ZONE_TTL_MS = 3000;

interface Entry {
  at: number;
  set: Promise<CompiledPolicySet>;
}

/**
 * Each org's compiled policy set, per process: compiled on first use, dropped when any replica
 * announces a change of the org's policies (PolicyChanges), on a pub/sub reconnect, and after
 * COMPILED_SET_TTL_MS. Concurrent first uses share one compilation. The org's time zone (for
 * the clock fields) is cached apart, TIME_ZONE_TTL_MS: a settings change applies within it.
 */
@Injectable()
export class OrgPolicies implements OnModuleInit, OnModuleDestroy {
  private readonly sets = new Map<string, Entry>();
  private readonly zones = new Map<string, { at: number; zone: Promise<string> }>();
  private stop?: () => Promise<void>;

  constructor(
    private readonly store: PolicyStorePort,
    private readonly changes: PolicyChanges,
  ) {}

  async onModuleInit(): Promise<void> {
    this.stop = await this.changes.listen(
      (orgId) => this.sets.delete(orgId),
      () => this.sets.clear(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop?.();
  }

  get(orgId: string): Promise<CompiledPolicySet> {
    const hit = this.sets.get(orgId);
    if (hit && Date.now() - hit.at < COMPILED_SET_TTL_MS) {
      return hit.set;
    }
    if (this.sets.size >= MAX_ORGS) {
      this.sets.clear();
    }
    const entry: Entry = { at: Date.now(), set: this.compile(orgId) };
    this.sets.set(orgId, entry);
    entry.set.catch(() => {
      if (this.sets.get(orgId) === entry) {
        this.sets.delete(orgId);
      }
    });
    return entry.set;
  }

  timeZone(orgId: string): Promise<string> {
    const hit = this.zones.get(orgId);
    if (hit && Date.now() - hit.at < TIME_ZONE_TTL_MS) {
      return hit.zone;
    }
    if (this.zones.size >= MAX_ORGS) {
      this.zones.clear();
    }
    const zone = this.store.timeZone(orgId).catch(() => 'UTC');
    this.zones.set(orgId, { at: Date.now(), zone });
    return zone;
  }

  private async compile(orgId: string): Promise<CompiledPolicySet> {
    return new CompiledPolicySet(`org:${orgId}`, await this.store.enabledPolicies(orgId));
  }
}
