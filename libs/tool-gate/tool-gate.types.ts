import type { Role } from '@libs/auth/principal';
import type { ToolEffect } from '@libs/connectors/connector';

/** Per tool effect: run at once, ask a human first, or refuse. */
export type ApprovalMode = 'allow' | 'approve' | 'deny';
export type ApprovalDefaults = Record<ToolEffect, ApprovalMode>;

export const DEFAULT_APPROVAL_DEFAULTS: ApprovalDefaults = { read: 'allow', write: 'approve', destructive: 'approve' };
/** Seconds an approval stays pending before it expires (settings `approval_timeout_secs` when unset). */
export const DEFAULT_APPROVAL_TIMEOUT_SECS = 300;

function isApprovalMode(v: unknown): v is ApprovalMode {
  return v === 'allow' || v === 'approve' || v === 'deny';
}

/** Keeps the valid per-effect modes of a stored/partial approval-defaults object; null when none. */
export function normalizeApprovalDefaults(raw: unknown): Partial<ApprovalDefaults> | null {
  if (!raw || typeof raw !== 'object') {
    return null;
  }
  const r = raw as Record<string, unknown>;
  const out: Partial<ApprovalDefaults> = {};
  for (const e of ['read', 'write', 'destructive'] as const) {
    if (isApprovalMode(r[e])) {
      out[e] = r[e];
    }
  }
  return Object.keys(out).length ? out : null;
}

/** The tool as the gate needs it (a `CatalogTool` fits). */
export interface GateTool {
  qualifiedName: string;
  connector: string;
  sourceName: string;
  effect: ToolEffect;
  requiresApproval: boolean;
}

/** The agent a call runs under (chat, agent runs, inbound chat); none for the direct execute endpoint. */
export interface GateAgent {
  name: string;
  approvalDefaults: Partial<ApprovalDefaults> | null;
  /** connector types or source names the agent may use; null or empty = every connector */
  connectorsAllowlist: string[] | null;
}

export interface GateCaller {
  userId: string | null;
  email: string | null;
  /** the user's role; null for a service caller (inbound chat webhook), where only org and agent rules apply */
  role: Role | null;
  apiKeyId?: string | null;
}

/** Where a tool call comes from (audited with the decision). */
export type ToolCallEntry = 'chat' | 'manual' | 'agent_run' | 'incoming' | 'task' | 'direct' | 'pipeline';

export interface ToolGateInput {
  orgId: string;
  caller: GateCaller;
  tool: GateTool;
  /** the org's approval defaults (settings `approval_defaults`) */
  approvalDefaults: ApprovalDefaults;
  agent: GateAgent | null;
  entry: ToolCallEntry;
  /** ids that locate the call, stored on the audit entry (conversation_id, source_id, …) */
  context?: Record<string, unknown>;
  requestId?: string | null;
  ip?: string | null;
}

export interface GateDecision {
  decision: ApprovalMode;
  /** the rule that decided, e.g. `default-write`, `agent-connectors-allowlist`, `role-viewer-read-only` */
  policy: string;
  reason: string;
}

export interface GateVerdict extends GateDecision {
  /** id of the audit entry of this decision */
  auditId: string;
}

/** What a policy engine may add to the built-in rules; null = no opinion. */
export interface PolicyOpinion {
  decision: 'approve' | 'deny';
  policy: string;
  reason: string;
}
