import type { Principal, Role } from '@libs/auth/principal';
import type { GateVerdict } from '@libs/tool-gate';
import type { StoredToolCallSummary, ToolCallSource, ToolCallStatus } from 'src/modules/chat/chat.entity';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ChatSecurity } from 'src/modules/chat/context/chat-security';

export interface ToolError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface ToolOutcome {
  status: ToolCallStatus;
  result?: unknown;
  error?: ToolError;
  usageMs?: number;
}

/** Who triggered the call: a user with their role, or nobody (inbound chat webhook: role null). */
export interface ToolActor {
  userId: string | null;
  email: string | null;
  role: Role | null;
  apiKeyId?: string | null;
}

export function toolActor(p: Principal): ToolActor {
  return { userId: p.userId, email: p.email, role: p.role, apiKeyId: p.apiKeyId ?? null };
}

export type TurnEmitter = (event: string, data: Record<string, unknown>) => void;

export interface ToolRunContext {
  orgId: string;
  conversationId: string;
  turnId: string | null;
  messageId: string | null;
  source: ToolCallSource;
  actor: ToolActor;
  agent: ChatAgent;
  /**
   * The conversation's realm: it routes a call that fits several sources, and limits the catalog
   * when the agent has a realm (catalogRealm).
   */
  conversationRealm: string | null;
  security: ChatSecurity;
  /** SSE emitter of the running turn (absent for manual calls) */
  emit?: TurnEmitter;
  isCancelled?: () => Promise<boolean>;
  /** re-reads the conversation's skills into the running turn's system prompt (after enable/disable_skill) */
  refreshSkills?: () => Promise<void>;
}

/** What the model may see of the catalog: the agent's allow-list and the conversation's realm. */
export type CatalogScope = Pick<ToolRunContext, 'agent' | 'conversationRealm'> & Partial<Pick<ToolRunContext, 'actor'>>;

/** Why a call ends before it runs (not found, denied by the gate, invalid arguments). */
export interface ToolStop {
  status: ToolCallStatus;
  error: ToolError;
  policy?: Record<string, unknown>;
}

export type PreflightResult = { stop: ToolStop; verdict?: undefined } | { stop?: undefined; verdict: GateVerdict };

export interface ApprovalDecision {
  status: 'approved' | 'denied' | 'expired' | 'cancelled';
  note: string | null;
}

/** One model-issued call as the loop stores it and answers the model. */
export interface MetaCallResult {
  summary: StoredToolCallSummary;
  modelResult: unknown;
}
