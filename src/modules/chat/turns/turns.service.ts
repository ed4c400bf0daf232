import { ConflictException, ForbiddenException, NotFoundException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import type { MessageEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository, ConversationGoneError, TurnLockedError } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import { ChatSecuritySettings, type ChatSecurity } from 'src/modules/chat/context/chat-security';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { TurnEventsService } from './turn-events.service';
import { TurnRunner } from './turn-runner';
import type { StartedTurn, StartTurnInput, TurnOutcome } from './turn-state';

export type { FinishReason, StartedTurn, StartTurnInput, TurnOutcome } from './turn-state';

/** See TurnsService.preflight. */
export interface TurnPreflight {
  active: Promise<boolean>;
  security: Promise<ChatSecurity>;
}

/**
 * Starts and cancels chat turns: one agent loop for every entry point (chat SSE, agent runs,
 * inbound webhooks). A turn runs detached from any HTTP response (TurnRunner); its events go
 * through TurnEventsService, its results to PostgreSQL. TurnSweeper expires due approvals and
 * adopts turns whose replica died: see docs/chat.md.
 */
@Injectable()
export class TurnsService {
  private readonly active = new Map<string, Promise<TurnOutcome>>();
  /**
   * Conversations whose turn row is being inserted here: the row is visible to the sweeper (another
   * connection) before this process has registered the turn in `active`, and the sweeper must not
   * take it for an orphan of this replica in between.
   */
  private readonly starting = new Map<string, number>();

  constructor(
    private readonly repo: ChatRepository,
    private readonly agents: ChatAgents,
    private readonly securitySettings: ChatSecuritySettings,
    private readonly runner: TurnRunner,
    private readonly events: TurnEventsService,
    private readonly runtime: ChatRuntime,
    private readonly orgs: OrgsRepository,
  ) {}

  /**
   * The org's reads of a start (is it active, its approval settings), begun before the caller has its
   * conversation so they overlap with that lookup. Pass the result to `start`. `orgActive: true`
   * skips the org read when the caller has just been authenticated against the org's current state.
   */
  preflight(orgId: string, known: { orgActive?: boolean } = {}): TurnPreflight {
    const active = known.orgActive === true ? Promise.resolve(true) : this.orgs.isActive(orgId);
    const security = this.securitySettings.security(orgId);
    // awaited later by start(), or never when the caller fails first: not an unhandled rejection meanwhile
    active.catch(() => undefined);
    security.catch(() => undefined);
    return { active, security };
  }

  /** `running`: the turn row (locked per conversation) and the user message are stored, then the loop runs detached. */
  async start(input: StartTurnInput, preflight: TurnPreflight = this.preflight(input.orgId)): Promise<StartedTurn> {
    const { orgId, conversation } = input;
    // every entry point (chat, agent runs, inbound webhooks) starts here, with or without a user request
    if (!(await preflight.active)) {
      throw new ForbiddenException('This organization is disabled', { reason: 'org_disabled' }, 'org_disabled');
    }
    // the agent only once the org is known active (resolving `default` may create it)
    const [resolved, security] = await Promise.all([
      this.agents.agent(orgId, conversation.agentId ?? conversation.agent),
      preflight.security,
    ]);
    const agent = {
      ...resolved,
      maxIterations: input.maxIterations ?? resolved.maxIterations,
      approvalDefaults: input.approvalDefaults
        ? { ...resolved.approvalDefaults, ...input.approvalDefaults }
        : resolved.approvalDefaults,
    };
    this.starting.set(conversation.id, (this.starting.get(conversation.id) ?? 0) + 1);
    try {
      const started = await this.insertTurn(input, agent);
      const turn = started.turn;
      this.events.open(turn.id);
      const done = this.runner
        .run(turn, conversation, agent, security, input)
        .finally(() => this.active.delete(turn.id));
      this.active.set(turn.id, done);
      return { turn, userMessage: started.userMessage, done };
    } finally {
      const left = (this.starting.get(conversation.id) ?? 1) - 1;
      if (left > 0) {
        this.starting.set(conversation.id, left);
      } else {
        this.starting.delete(conversation.id);
      }
    }
  }

  private async insertTurn(
    input: StartTurnInput,
    agent: { name: string; id: string | null },
  ): Promise<{ turn: TurnEntity; userMessage: MessageEntity | null }> {
    try {
      return await this.repo.startTurn(
        {
          orgId: input.orgId,
          conversationId: input.conversation.id,
          kind: input.kind,
          agent: agent.name,
          agentId: agent.id,
          status: 'running',
          ownerInstance: this.runtime.instanceId,
          assistantMessageId: randomUUID(),
          input: input.content,
          createdBy: input.actor.userId,
        },
        { id: randomUUID(), content: input.content, attachments: input.attachments },
      );
    } catch (err) {
      if (err instanceof TurnLockedError) {
        throw new ConflictException(
          'A turn is already running in this conversation',
          { conversation_id: input.conversation.id },
          'turn_in_progress',
        );
      }
      if (err instanceof ConversationGoneError) {
        throw new NotFoundException('Conversation');
      }
      throw err;
    }
  }

  /** Whether this replica runs the turn now, or is starting one in its conversation (the sweeper never adopts those). */
  isRunningHere(turn: Pick<TurnEntity, 'id' | 'conversationId'>): boolean {
    return this.active.has(turn.id) || this.starting.has(turn.conversationId);
  }

  /** Sets the turn's cancel flag (any replica); the loop stops at its next check. */
  async cancel(orgId: string, conversationId: string): Promise<TurnEntity | null> {
    const turn = await this.repo.runningTurn(conversationId);
    if (!turn || turn.orgId !== orgId) {
      return null;
    }
    await this.runtime.requestCancel(turn.id);
    return turn;
  }
}
