import { OrgEvents } from '@libs/events';
import { Injectable, Logger } from '@nestjs/common';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { ConversationEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { MemoryContract } from 'src/modules/memory/memory.contract';
import { memoryRequests, memorySourceType } from './after-turn-memory';
import { TurnEventsService } from './turn-events.service';
import { STATUS_OF, type StartTurnInput, type TurnOutcome, type TurnProgress } from './turn-state';

/**
 * Finishing a turn: `error` event (if any), the assistant message and the turn's final status in
 * PostgreSQL, `message_end`, the end of the event stream, the memory writes the user asked for
 * (a completed turn only), and `agent_run.finished` for non-chat turns.
 */
@Injectable()
export class TurnFinisher {
  private readonly logger = new Logger(TurnFinisher.name);

  constructor(
    private readonly repo: ChatRepository,
    private readonly events: TurnEventsService,
    private readonly runtime: ChatRuntime,
    private readonly orgEvents: OrgEvents,
    private readonly memory: MemoryContract,
  ) {}

  async finish(
    turn: TurnEntity,
    conversation: ConversationEntity,
    input: StartTurnInput,
    progress: TurnProgress,
  ): Promise<TurnOutcome> {
    const { finish, error, content } = progress;
    if (error) {
      this.events.emit(turn.id, 'error', { ...error });
    }
    const usageOut = progress.usageOut();
    const outcome: TurnOutcome = {
      turnId: turn.id,
      conversationId: conversation.id,
      messageId: turn.assistantMessageId,
      content,
      finishReason: finish,
      usage: usageOut,
      toolCalls: progress.summaries,
      status: STATUS_OF[finish],
    };
    await this.store(turn, input.orgId, outcome, progress);
    this.events.emit(turn.id, 'message_end', {
      finish_reason: finish,
      usage: usageOut,
      message_id: turn.assistantMessageId,
    });
    await this.events.end(turn.id);
    if (finish === 'end_turn') {
      await this.rememberRequested(conversation, input);
    }
    // task runs announce their own end (task_run.*)
    if (input.kind !== 'chat' && input.kind !== 'task') {
      await this.orgEvents.publish(input.orgId, 'agent_run.finished', {
        run_id: turn.id,
        conversation_id: conversation.id,
        status: outcome.status,
      });
    }
    return outcome;
  }

  /** Stage 6: what the user asked the agent to remember is stored in the conversation's realm. */
  private async rememberRequested(conversation: ConversationEntity, input: StartTurnInput): Promise<void> {
    for (const r of memoryRequests(input.content)) {
      try {
        await this.memory.remember(input.orgId, {
          ...r,
          realm: conversation.realm ?? null,
          source: { type: memorySourceType(input.kind), conversation_id: conversation.id },
          userId: input.actor.userId ?? null,
        });
      } catch (err) {
        this.logger.warn(`remembering for conversation ${conversation.id} failed: ${(err as Error).message}`);
      }
    }
  }

  private async store(turn: TurnEntity, orgId: string, outcome: TurnOutcome, progress: TurnProgress): Promise<void> {
    try {
      // the assistant message, the conversation's touch and the turn's final status: one statement
      await this.repo.endTurn(
        {
          id: turn.assistantMessageId,
          orgId,
          conversationId: outcome.conversationId,
          turnId: turn.id,
          content: outcome.content,
          toolCalls: outcome.toolCalls,
          finishReason: outcome.finishReason,
          usage: outcome.usage,
        },
        this.runtime.instanceId,
        { status: outcome.status, error: progress.error },
      );
    } catch (err) {
      this.logger.error(`storing turn ${turn.id} failed: ${(err as Error).message}`);
    }
  }
}
