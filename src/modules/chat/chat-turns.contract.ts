import type { ApprovalDefaults } from '@libs/tool-gate';
import type { TurnStatus } from 'src/modules/chat/chat.entity';

/** A turn started without a user request (a task run) on a new conversation (`source = task`). */
export interface AutomatedTurnInput {
  orgId: string;
  /** agent id or name */
  agent: string;
  realm?: string | null;
  title: string;
  /** the user message of the turn */
  content: string;
  /** the user the turn acts for (the task's creator; their current role goes to the tool gate); null = no user */
  actorUserId: string | null;
  maxIterations?: number;
  approvalDefaults?: Partial<ApprovalDefaults>;
  /** sees every event of the turn (`approval_required`, `approval_resolved`, …) */
  observe?: (event: string, data: Record<string, unknown>) => void;
  /** continue the conversation with this external key (a channel thread) instead of a new one; the turn is then `incoming` */
  externalKey?: string;
}

export interface AutomatedTurnOutcome {
  status: TurnStatus;
  finishReason: string;
  content: string;
  usage: Record<string, number>;
  error: { code: string; message: string } | null;
}

export interface AutomatedTurn {
  conversationId: string;
  turnId: string;
  done: Promise<AutomatedTurnOutcome>;
}

/** Messages and tool calls of a conversation, as the run detail shows them. */
export interface TurnTranscript {
  messages: Array<{
    id: string;
    role: string;
    content: string;
    tool_calls: unknown[];
    tool_call_id: string | null;
    finish_reason: string | null;
    created_at: string;
  }>;
  tool_calls: Array<{
    id: string;
    name: string;
    tool: string | null;
    connector: string | null;
    args: Record<string, unknown>;
    status: string;
    approval_id: string | null;
    error: { code: string; message: string } | null;
    created_at: string;
  }>;
}

/** What ChatModule offers modules that run the agent loop themselves (tasks). */
export abstract class ChatTurnsContract {
  /** Creates the conversation and starts the turn (403 org_disabled, 404 unknown agent). */
  abstract start(input: AutomatedTurnInput): Promise<AutomatedTurn>;
  /** Sets the turn's cancel flag (seen by the replica running it within ~500 ms). */
  abstract cancel(turnId: string): Promise<void>;
  /** The conversation's messages and the tool calls of its turns; null when it is not the org's. */
  abstract transcript(orgId: string, conversationId: string): Promise<TurnTranscript | null>;
}
