import { AuditService } from '@libs/audit';
import { ForbiddenException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import type {
  ApprovalDefaults,
  GateAgent,
  GateDecision,
  GateTool,
  GateVerdict,
  PolicyOpinion,
  ToolGateInput,
} from './tool-gate.types';
import { ToolPolicy } from './tool-policy';

const deny = (policy: string, reason: string): GateDecision => ({ decision: 'deny', policy, reason });

/** The agent's allow-list admits the tool's connector type or source name (no list = every connector). */
export function allowedByAgent(agent: Pick<GateAgent, 'connectorsAllowlist'>, tool: GateTool): boolean {
  const list = agent.connectorsAllowlist;
  return !list || !list.length || list.some((c) => c === tool.connector || c === tool.sourceName);
}

/**
 * Approval defaults. Precedence: a `deny` (agent, else org) refuses; then the tool's own
 * `requiresApproval`; then the agent's override; then the org default.
 */
export function approvalRule(
  tool: Pick<GateTool, 'effect' | 'requiresApproval'>,
  org: ApprovalDefaults,
  agent?: Partial<ApprovalDefaults> | null,
): GateDecision {
  const effect = tool.effect;
  const agentMode = agent?.[effect];
  const orgMode = org[effect];
  if (agentMode === 'deny') {
    return deny(`agent-${effect}`, `${effect} tools are denied for this agent (policy: agent-${effect})`);
  }
  if (!agentMode && orgMode === 'deny') {
    return deny(`default-${effect}`, `${effect} tools are denied (policy: default-${effect})`);
  }
  if (tool.requiresApproval) {
    return {
      decision: 'approve',
      policy: 'tool-requires-approval',
      reason: 'tool requires approval (policy: tool-requires-approval)',
    };
  }
  const mode = agentMode ?? orgMode;
  const policy = agentMode ? `agent-${effect}` : `default-${effect}`;
  if (mode === 'approve') {
    return { decision: 'approve', policy, reason: `${effect} tool requires approval (policy: ${policy})` };
  }
  return { decision: 'allow', policy, reason: `${effect} tool allowed (policy: ${policy})` };
}

/**
 * The gate's rules in order: the caller's role (viewers run read tools only), the agent's
 * connector allow-list, a policy deny, the approval defaults, and a policy's demand for approval.
 */
export function decideToolCall(input: ToolGateInput, opinion: PolicyOpinion | null): GateDecision {
  const { tool, caller, agent } = input;
  if (caller.role === 'viewer' && tool.effect !== 'read') {
    return deny(
      'role-viewer-read-only',
      `Viewers may only run read tools; ${tool.qualifiedName} is a ${tool.effect} tool`,
    );
  }
  if (agent && !allowedByAgent(agent, tool)) {
    return deny('agent-connectors-allowlist', `Connector ${tool.connector} is not allowed for agent ${agent.name}`);
  }
  if (opinion?.decision === 'deny') {
    return deny(opinion.policy, opinion.reason);
  }
  const rule = approvalRule(tool, input.approvalDefaults, agent?.approvalDefaults);
  if (rule.decision === 'allow' && opinion?.decision === 'approve') {
    return { decision: 'approve', policy: opinion.policy, reason: opinion.reason };
  }
  return rule;
}

export interface ApproverCheck {
  orgId: string;
  approval: { id: string; tool: string; effect: string; requestedBy: string | null };
  decider: { userId: string; email: string; apiKeyId?: string | null };
  /** org setting `allow_self_approval` */
  allowSelfApproval: boolean;
  requestId?: string | null;
  ip?: string | null;
}

/** Whether the decider may approve: not their own destructive call, unless the org allows self-approval. */
export function approverRule(c: Pick<ApproverCheck, 'approval' | 'decider' | 'allowSelfApproval'>): GateDecision {
  if (c.approval.effect === 'destructive' && c.approval.requestedBy === c.decider.userId && !c.allowSelfApproval) {
    return deny(
      'self-approval',
      'The user who triggered a destructive tool call cannot approve it (org setting allow_self_approval is off)',
    );
  }
  return { decision: 'allow', policy: 'approver', reason: 'approver may decide' };
}

/**
 * The one gate every connector tool call goes through, whatever the entry point (chat loop, manual
 * tool call, agent run, inbound chat, `POST /sources/:id/tools/:tool/execute`): it decides
 * allow / approve / deny and audits the decision (category `policy`, action `chat.tool.execute`).
 */
@Injectable()
export class ToolGate {
  constructor(
    private readonly audit: AuditService,
    private readonly policy: ToolPolicy,
  ) {}

  async decide(input: ToolGateInput): Promise<GateVerdict> {
    const d = decideToolCall(input, await this.policy.evaluate(input));
    const auditId = await this.audit.record({
      orgId: input.orgId,
      category: 'policy',
      action: 'chat.tool.execute',
      result: d.decision === 'deny' ? 'denied' : 'success',
      actor: input.caller.userId
        ? { userId: input.caller.userId, email: input.caller.email ?? '', apiKeyId: input.caller.apiKeyId ?? null }
        : null,
      target: { type: 'tool', id: input.tool.qualifiedName, ...(input.context ?? {}) },
      details: {
        decision: d.decision,
        policy: d.policy,
        effect: input.tool.effect,
        entry: input.entry,
        ...(input.caller.role ? { role: input.caller.role } : {}),
        ...(input.agent ? { agent: input.agent.name } : {}),
      },
      requestId: input.requestId,
      ip: input.ip,
    });
    return { ...d, auditId };
  }

  /** Refuses (403 `self_approval_forbidden`, audited) an approval the decider may not give. */
  async assertMayApprove(c: ApproverCheck): Promise<void> {
    const d = approverRule(c);
    if (d.decision !== 'deny') {
      return;
    }
    await this.audit.record({
      orgId: c.orgId,
      category: 'approval',
      action: 'approval.decide',
      result: 'denied',
      actor: { userId: c.decider.userId, email: c.decider.email, apiKeyId: c.decider.apiKeyId ?? null },
      target: { type: 'approval', id: c.approval.id, tool: c.approval.tool },
      details: { reason: 'self_approval_forbidden', effect: c.approval.effect },
      requestId: c.requestId,
      ip: c.ip,
    });
    throw new ForbiddenException(d.reason, { approval_id: c.approval.id }, 'self_approval_forbidden');
  }
}
