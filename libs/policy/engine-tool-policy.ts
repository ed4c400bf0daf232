import type { PolicyOpinion, ToolGateInput } from '@libs/tool-gate/tool-gate.types';
import { ToolPolicy } from '@libs/tool-gate/tool-policy';
import { Injectable, Logger } from '@nestjs/common';
import { toolInput } from './inputs';
import { PolicyEnforcer } from './policy-enforcer';

/**
 * The org's policies in front of every tool call (ToolGate asks it): a hard deny refuses the call
 * (`policy_denied` to the LLM or the caller), an approval rule turns it into one that needs a human.
 * When the engine cannot decide the call is refused (fail closed).
 */
@Injectable()
export class EngineToolPolicy extends ToolPolicy {
  private readonly logger = new Logger(EngineToolPolicy.name);

  constructor(private readonly enforcer: PolicyEnforcer) {
    super();
  }

  async evaluate(input: ToolGateInput): Promise<PolicyOpinion | null> {
    if (!this.enforcer.installEnabled() || !(await this.enforcer.active(input.orgId))) {
      return null;
    }
    let d;
    try {
      d = await this.enforcer.decide(toolInput(input), { withApproval: true });
    } catch (err) {
      this.logger.error({ err, orgId: input.orgId }, 'policy evaluation failed; refusing the tool call');
      return { decision: 'deny', policy: 'policy-engine', reason: 'Policy engine unavailable: the call is refused' };
    }
    if (d.decision === 'allow') {
      return null;
    }
    const kind = d.decision === 'deny' ? 'deny' : 'approval';
    const decisive = d.matches.filter((m) => m.kind === kind);
    return {
      decision: d.decision === 'deny' ? 'deny' : 'approve',
      policy: decisive[0].rule,
      reason: decisive.map((m) => m.message).join('; '),
    };
  }
}
