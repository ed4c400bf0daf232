import { FeatureFlagService } from '@libs/features';
import { Injectable } from '@nestjs/common';
import { OrgPolicies } from './org-policies';
import type { PolicyInput } from './policy-input';
import type { PolicyDecision } from './policy-set';

export const INSTANCE_MODE = 'self-hosted';

/** Whether policies apply to an org (features.policies, per-org overrides) and what they decide. */
@Injectable()
export class PolicyEnforcer {
  constructor(
    private readonly flags: FeatureFlagService,
    private readonly policies: OrgPolicies,
  ) {}

  /** Off at install level: no org can switch it on (overrides only switch features off). */
  installEnabled(): boolean {
    return this.flags.defaults().policies;
  }

  active(orgId: string): Promise<boolean> {
    return this.flags.isEnabled('policies', orgId);
  }

  /** Throws `PolicyEngineError` (or a store error) when it cannot decide: callers fail closed. */
  async decide(input: PolicyInput, opts: { withApproval: boolean; cacheKey?: string }): Promise<PolicyDecision> {
    const orgId = input.subject.org_id;
    const [set, timeZone] = await Promise.all([this.policies.get(orgId), this.policies.timeZone(orgId)]);
    const o = { withApproval: opts.withApproval, timeZone };
    return opts.cacheKey ? set.evaluateCached(input, opts.cacheKey, o) : set.evaluate(input, o);
  }
}
