import { LlmProviderFactory } from '@libs/llm/llm.port';
import { Injectable, Logger } from '@nestjs/common';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { ConversationEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ChatSecurity } from 'src/modules/chat/context/chat-security';
import type { TurnEmitter } from 'src/modules/chat/tools/tool-call.types';
import { TurnContextBuilder } from './turn-context';
import { TurnEventsService } from './turn-events.service';
import { TurnFinisher } from './turn-finisher';
import { TurnLoop } from './turn-loop';
import { TurnProgress, type StartTurnInput, type TurnOutcome } from './turn-state';
import { TurnWatch } from './turn-watch';

/**
 * Runs one started turn to its end: `message_start`, context building, the loop, and finishing.
 * Any exception thrown on the way ends the turn with finish `error` (code from the exception or
 * `internal_error`); the turn is always finished and stored.
 */
@Injectable()
export class TurnRunner {
  private readonly logger = new Logger(TurnRunner.name);

  constructor(
    private readonly context: TurnContextBuilder,
    private readonly loop: TurnLoop,
    private readonly finisher: TurnFinisher,
    private readonly events: TurnEventsService,
    private readonly runtime: ChatRuntime,
    private readonly llm: LlmProviderFactory,
    private readonly watch: TurnWatch,
  ) {}

  async run(
    turn: TurnEntity,
    conversation: ConversationEntity,
    agent: ChatAgent,
    security: ChatSecurity,
    input: StartTurnInput,
  ): Promise<TurnOutcome> {
    const progress = new TurnProgress();
    const emit: TurnEmitter = (event, data) => {
      this.events.emit(turn.id, event, data);
      try {
        input.observe?.(event, data);
      } catch (err) {
        this.logger.warn(`turn ${turn.id} observer failed: ${(err as Error).message}`);
      }
    };
    const isCancelled = () => this.runtime.isCancelled(turn.id);
    // keep-alive pings and the cancel poll (a cancel also aborts a model call that is already streaming)
    const watch = this.watch.watch(turn.id);
    try {
      emit('message_start', {
        message_id: turn.assistantMessageId,
        conversation_id: conversation.id,
        turn_id: turn.id,
        role: 'assistant',
      });
      // the rest starts after the current I/O callback: the sender's response writes `message_start` first
      await new Promise<void>((resolve) => setImmediate(resolve));
      const provider = await this.llm.forOrg(input.orgId, agent.model ? { model: agent.model } : undefined);
      const ctx = await this.context.build(turn, conversation, agent, security, input, emit, isCancelled);
      await this.loop.iterate(provider, agent, ctx, progress, watch.signal);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      progress.end('error', {
        code: typeof e.code === 'string' ? e.code : 'internal_error',
        message: e.message ?? 'turn failed',
      });
      this.logger.warn(`turn ${turn.id} failed: ${progress.error!.message}`);
    } finally {
      watch.stop();
    }
    return this.finisher.finish(turn, conversation, input, progress);
  }
}
