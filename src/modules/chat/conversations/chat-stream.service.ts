import type { Principal } from '@libs/auth/principal';
import { Injectable } from '@nestjs/common';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ConversationsService } from 'src/modules/chat/conversations/conversations.service';
import { SendMessageDto } from 'src/modules/chat/dto/chat.dto';
import { toolActor } from 'src/modules/chat/tools/tool-call.types';
import { TurnEvent, TurnEventsService } from 'src/modules/chat/turns/turn-events.service';
import { StartedTurn, TurnsService } from 'src/modules/chat/turns/turns.service';

/** Sending a message (starts a turn) and following a turn's events, locally or from Redis. */
@Injectable()
export class ChatStreamService {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly turns: TurnsService,
    private readonly events: TurnEventsService,
    private readonly repo: ChatRepository,
  ) {}

  /** Validates access, stores the user message and starts the turn (409 turn_in_progress while one runs). */
  async send(p: Principal, conversationId: string, dto: SendMessageDto): Promise<StartedTurn> {
    // the org's checks run beside the conversation lookup (issued first: the agent lookup waits for it);
    // a 404 still wins over a 403 org_disabled
    const conversation = this.conversations.readable(p, conversationId);
    const preflight = this.turns.preflight(p.orgId);
    const c = await conversation;
    return this.turns.start(
      {
        orgId: p.orgId,
        conversation: c,
        content: dto.content,
        actor: toolActor(p),
        kind: 'chat',
        source: 'chat',
      },
      preflight,
    );
  }

  /** Events of a turn this replica runs, from the start, then live. */
  subscribeLocal(turnId: string, listener: (e: TurnEvent) => void): (() => void) | undefined {
    return this.events.subscribeLocal(turnId, 0, listener);
  }

  /**
   * Re-attach: the running turn (any replica) from `lastEventId`, then live until it ends; when no
   * turn runs, the last turn's stored events (replayed and ended). Undefined when the conversation never had a turn.
   */
  async reattach(
    p: Principal,
    conversationId: string,
    lastEventId: number,
    signal: AbortSignal,
  ): Promise<AsyncGenerator<TurnEvent> | undefined> {
    const c = await this.conversations.readable(p, conversationId);
    const turn = (await this.repo.runningTurn(c.id)) ?? (await this.repo.latestTurn(c.id));
    if (!turn) {
      return undefined;
    }
    return this.events.follow(turn.id, lastEventId, () => this.repo.isTurnRunning(turn.id), signal);
  }
}
