import { PolicyStorePort, STARTER_POLICIES, type PolicySource } from '@libs/policy';
import { Injectable } from '@nestjs/common';
import { SettingsRepository } from '../settings/settings.repository';
import { PoliciesRepository } from './policies.repository';

/**
 * The policies the engine compiles. The starter bundles are seeded the first time an org's
 * policies are read with the feature on (idempotent across replicas: insert by name or nothing);
 * each process remembers the orgs it seeded so later reads skip the insert.
 */
@Injectable()
export class PolicyStore extends PolicyStorePort {
  private readonly seeded = new Set<string>();

  constructor(
    private readonly repo: PoliciesRepository,
    private readonly settings: SettingsRepository,
  ) {
    super();
  }

  /** `security.org_timezone`, else the org's `timezone`, else UTC (as /settings/security reports it). */
  async timeZone(orgId: string): Promise<string> {
    const row = await this.settings.find(orgId);
    const s = row?.settings;
    const tz = s?.security?.org_timezone ?? s?.timezone;
    return typeof tz === 'string' && tz ? tz : 'UTC';
  }

  async ensureSeeded(orgId: string): Promise<void> {
    if (this.seeded.has(orgId)) {
      return;
    }
    await this.repo.seedStarters(orgId, STARTER_POLICIES);
    if (this.seeded.size > 10_000) {
      this.seeded.clear();
    }
    this.seeded.add(orgId);
  }

  async enabledPolicies(orgId: string): Promise<PolicySource[]> {
    await this.ensureSeeded(orgId);
    return this.repo.enabledSources(orgId);
  }
}
