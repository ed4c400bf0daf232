import type { PolicySource } from './policy-set';

/**
 * Port: the org's stored policies (provided by the policies module). The engine reads the enabled
 * ones when it (re)compiles an org's set; the store seeds the starter bundles on first use.
 */
export abstract class PolicyStorePort {
  abstract enabledPolicies(orgId: string): Promise<PolicySource[]>;

  /** The org's time zone (IANA name) for the clock fields of the input; `UTC` when unset. */
  abstract timeZone(orgId: string): Promise<string>;
}
