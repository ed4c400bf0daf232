import { cedar } from './cedar';
import { compilePolicy, type CompiledRule } from './policy-compiler';
import { formatMessage, toCedarRequest, type PolicyInput } from './policy-input';

/** A stored policy as the engine needs it. */
export interface PolicySource {
  id: string;
  name: string;
  source: string;
}

export type PolicyVerdict = 'allow' | 'deny' | 'approval_required';

/** A rule that applied: which policy, which rule, what it says. */
export interface RuleMatch {
  /** `<policy name>.<@id>` (or `<policy name>#<n>`) */
  rule: string;
  policy_id: string;
  policy_name: string;
  message: string;
  /** `deny` refuses; `approval` is lifted by a human approval (context.approval_granted) */
  kind: 'deny' | 'approval';
}

export interface PolicyDecision {
  decision: PolicyVerdict;
  /** the rules that applied, hard denies first */
  matches: RuleMatch[];
  /** rules that failed to evaluate (e.g. an attribute the input does not have): they do not apply */
  errors: { rule: string; message: string }[];
  /** served from the GET decision cache (evaluateCached) rather than evaluated now */
  cached?: boolean;
}

export interface EvaluateOptions {
  /** false: approval rules deny too (HTTP, where no approval can be granted) */
  withApproval: boolean;
  /** the org's time zone for `context.hour`, `minute`, `weekday` (UTC when unset) */
  timeZone?: string;
}

/** The engine could not decide (an unparseable set, a failing engine): callers fail closed. */
export class PolicyEngineError extends Error {}

interface RuleMeta extends CompiledRule {
  policy: PolicySource;
}

function ruleName(r: RuleMeta): string {
  return r.id.startsWith('#') ? `${r.policy.name}${r.id}` : `${r.policy.name}.${r.id}`;
}

/** How long a GET decision is reused for the same decision key (policies.md §5: 5 s, GET only). */
export const DECISION_CACHE_TTL_MS = 5000;
const MAX_CACHED_DECISIONS = 10_000;

const DEFAULT_ALLOW_ID = 'agentcy.default_allow';
const ALLOW: PolicyDecision = { decision: 'allow', matches: [], errors: [] };
let generations = 0;

/**
 * An org's enabled policies compiled into one Cedar policy set: the built-in
 * `permit(principal, action, resource);` (default allow) plus every policy's `forbid` rules. The
 * set is pre-parsed into the engine once (per process, under the org's id) and re-parsed only when
 * another set of the same org replaced it there.
 */
export class CompiledPolicySet {
  private readonly rules = new Map<string, RuleMeta>();
  /** actions some rule is limited to; `anyAction` when a rule applies to every action */
  private readonly actions = new Set<string>();
  private anyAction = false;
  private readonly generation = ++generations;
  private readonly decisions = new Map<string, { at: number; decision: PolicyDecision }>();
  private static readonly loaded = new Map<string, number>();

  /** Sources that no longer compile (stored before a rule change) are skipped and listed in `skipped`. */
  readonly skipped: string[] = [];

  constructor(
    private readonly key: string,
    policies: PolicySource[],
  ) {
    let n = 0;
    for (const policy of policies) {
      const compiled = compilePolicy(policy.source);
      if (!compiled.ok) {
        this.skipped.push(policy.id);
        continue;
      }
      for (const rule of compiled.rules) {
        this.rules.set(`r${n++}`, { ...rule, policy });
        if (rule.actions) {
          rule.actions.forEach((a) => this.actions.add(a));
        } else {
          this.anyAction = true;
        }
      }
    }
  }

  get size(): number {
    return this.rules.size;
  }

  /** Whether some rule may apply to this action (no rule: allowed without asking the engine). */
  concerns(action: string): boolean {
    return this.anyAction || this.actions.has(action);
  }

  /**
   * `evaluate`, reusing the decision of the same `cacheKey` for DECISION_CACHE_TTL_MS. The key must
   * name every input field a rule may depend on except the per-request ones (request id, `now`
   * below the minute); the cache dies with the set, so a policy change is never served stale.
   */
  evaluateCached(input: PolicyInput, cacheKey: string, opts: EvaluateOptions): PolicyDecision {
    if (!this.rules.size || !this.concerns(input.action)) {
      return ALLOW;
    }
    const now = Date.now();
    cacheKey = `${opts.timeZone ?? 'UTC'}|${cacheKey}`;
    const hit = this.decisions.get(cacheKey);
    if (hit && now - hit.at < DECISION_CACHE_TTL_MS) {
      return { ...hit.decision, cached: true };
    }
    const decision = this.evaluate(input, opts);
    if (this.decisions.size >= MAX_CACHED_DECISIONS) {
      this.decisions.clear();
    }
    this.decisions.set(cacheKey, { at: now, decision });
    return decision;
  }

  /**
   * Decides with `context.approval_granted=false`. A rule that applied is an approval rule when it
   * is annotated `@approval` or stops applying once `approval_granted=true` (chat-and-approvals.md
   * §4.1); any other is a hard deny. `withApproval: false` skips the second evaluation (HTTP: no
   * approval can be granted there, so both kinds deny).
   */
  evaluate(input: PolicyInput, opts: EvaluateOptions = { withApproval: true }): PolicyDecision {
    if (!this.rules.size || !this.concerns(input.action)) {
      return ALLOW;
    }
    const first = this.authorize(input, false, opts.timeZone);
    const errors = first.errors;
    if (!first.forbids.length) {
      return { decision: 'allow', matches: [], errors };
    }
    const candidates = first.forbids.filter((id) => !this.rules.get(id)!.approval);
    const still =
      opts.withApproval && candidates.length ? new Set(this.authorize(input, true, opts.timeZone).forbids) : null;
    const matches = first.forbids.map((id): RuleMatch => {
      const r = this.rules.get(id)!;
      const approval = r.approval || (still !== null && !still.has(id));
      const rule = ruleName(r);
      return {
        rule,
        policy_id: r.policy.id,
        policy_name: r.policy.name,
        message: r.message ? formatMessage(r.message, input) : `denied by ${rule}`,
        kind: approval ? 'approval' : 'deny',
      };
    });
    matches.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'deny' ? -1 : 1));
    const hard = !opts.withApproval || matches.some((m) => m.kind === 'deny');
    return { decision: hard ? 'deny' : 'approval_required', matches, errors };
  }

  private authorize(
    input: PolicyInput,
    approvalGranted: boolean,
    timeZone: string | undefined,
  ): { forbids: string[]; errors: PolicyDecision['errors'] } {
    this.load();
    let answer;
    try {
      answer = cedar.statefulIsAuthorized({
        ...toCedarRequest(input, approvalGranted, timeZone),
        preparsedPolicySetId: this.key,
      });
    } catch (err) {
      throw new PolicyEngineError(`policy engine failed: ${(err as Error).message}`);
    }
    if (answer.type === 'failure') {
      throw new PolicyEngineError(`policy engine failed: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    const { decision, diagnostics } = answer.response;
    return {
      forbids: decision === 'deny' ? diagnostics.reason.filter((id) => this.rules.has(id)) : [],
      errors: diagnostics.errors.map((e) => {
        const r = this.rules.get(e.policyId);
        return { rule: r ? ruleName(r) : e.policyId, message: e.error.message };
      }),
    };
  }

  private load(): void {
    if (CompiledPolicySet.loaded.get(this.key) === this.generation) {
      return;
    }
    const staticPolicies: Record<string, string> = { [DEFAULT_ALLOW_ID]: 'permit(principal, action, resource);' };
    for (const [id, r] of this.rules) {
      staticPolicies[id] = r.text;
    }
    const res = cedar.preparsePolicySet(this.key, { staticPolicies });
    if (res.type === 'failure') {
      throw new PolicyEngineError(`policy set failed to load: ${res.errors.map((e) => e.message).join('; ')}`);
    }
    CompiledPolicySet.loaded.set(this.key, this.generation);
  }
}
