import type { LlmUsage } from '@libs/llm/llm.port';
import type { ApprovalDefaults } from '@libs/tool-gate';
import type {
  ConversationEntity,
  MessageEntity,
  StoredToolCallSummary,
  ToolCallSource,
  TurnEntity,
  TurnKind,
  TurnStatus,
} from 'src/modules/chat/chat.entity';
import type { ToolActor } from 'src/modules/chat/tools/tool-call.types';

/** Why a turn ended (the assistant message's `finish_reason`). See docs/chat.md "State machine of a turn". */
export type FinishReason = 'end_turn' | 'max_iterations' | 'cancelled' | 'error' | 'interrupted';

/** The turn's final status for each finish reason. */
export const STATUS_OF: Record<FinishReason, TurnStatus> = {
  end_turn: 'completed',
  max_iterations: 'completed',
  cancelled: 'cancelled',
  error: 'failed',
  interrupted: 'interrupted',
};

export interface TurnError {
  code: string;
  message: string;
}

export interface TurnOutcome {
  turnId: string;
  conversationId: string;
  messageId: string;
  content: string;
  finishReason: FinishReason;
  usage: Record<string, number>;
  toolCalls: StoredToolCallSummary[];
  status: TurnStatus;
}

export interface StartTurnInput {
  orgId: string;
  conversation: ConversationEntity;
  content: string;
  /** artifact ids attached to the user message, already checked to be the org's */
  attachments?: string[];
  actor: ToolActor;
  kind: TurnKind;
  source: ToolCallSource;
  /** sees every event the turn emits (task runs follow `approval_required` / `approval_resolved`) */
  observe?: (event: string, data: Record<string, unknown>) => void;
  /** per-turn override of the agent's `max_iterations` */
  maxIterations?: number;
  /** per-turn overrides of the approval defaults (a task's `approval_defaults`), over the agent's */
  approvalDefaults?: Partial<ApprovalDefaults>;
}

export interface StartedTurn {
  turn: TurnEntity;
  userMessage: MessageEntity | null;
  done: Promise<TurnOutcome>;
}

/** What a running turn has produced so far; the loop steps fill it, the finisher stores it. */
export class TurnProgress {
  content = '';
  readonly usage: LlmUsage = { inputTokens: 0, outputTokens: 0 };
  readonly summaries: StoredToolCallSummary[] = [];
  finish: FinishReason = 'error';
  error: TurnError | null = null;
  readonly startedAt = Date.now();

  addText(text: string, usage: LlmUsage): void {
    this.content += text;
    this.usage.inputTokens += usage.inputTokens;
    this.usage.outputTokens += usage.outputTokens;
  }

  end(finish: FinishReason, error: TurnError | null = null): void {
    this.finish = finish;
    this.error = error;
  }

  /** `usage` of the assistant message and the turn row. */
  usageOut(): Record<string, number> {
    return {
      input_tokens: this.usage.inputTokens,
      output_tokens: this.usage.outputTokens,
      tool_calls: this.summaries.length,
      duration_ms: Date.now() - this.startedAt,
    };
  }
}
