import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { Injectable, Logger } from '@nestjs/common';
import { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import { ConversationsService } from 'src/modules/chat/conversations/conversations.service';
import { SendMessageDto } from 'src/modules/chat/dto/chat.dto';
import { toolActor } from 'src/modules/chat/tools/tool-call.types';
import { TurnEvent, TurnEventsService } from 'src/modules/chat/turns/turn-events.service';
import { StartedTurn, TurnsService } from 'src/modules/chat/turns/turns.service';
import { SkillsContract } from 'src/modules/skills/skills.contract';

/** Sending a message (starts a turn) and following a turn's events, locally or from Redis. */
@Injectable()
export class ChatStreamService {
  private readonly logger = new Logger(ChatStreamService.name);

  constructor(
    private readonly conversations: ConversationsService,
    private readonly turns: TurnsService,
    private readonly events: TurnEventsService,
    private readonly repo: ChatRepository,
    private readonly artifacts: ArtifactsContract,
    private readonly skills: SkillsContract,
    private readonly agents: ChatAgents,
  ) {}

  /** Validates access, stores the user message and starts the turn (409 turn_in_progress while one runs). */
  async send(p: Principal, conversationId: string, dto: SendMessageDto): Promise<StartedTurn> {
    // the org's checks run beside the conversation lookup (issued first: the agent lookup waits for it);
    // a 404 still wins over a 403 org_disabled
    const conversation = this.conversations.startable(p, conversationId);
    // the auth guard refused this principal if its org were disabled (its cached state is invalidated
    // on every change); platform admins pass a disabled org, so theirs is read
    const preflight = this.turns.preflight(p.orgId, { orgActive: !p.platformAdmin });
    const c = await conversation;
    const attachments = await this.checkAttachments(p.orgId, dto.attachments ?? []);
    await this.preEnableSkills(p, c.id, c.agentId ?? c.agent, dto.skills ?? []);
    const started = await this.turns.start(
      {
        orgId: p.orgId,
        conversation: c,
        content: dto.content,
        attachments,
        actor: toolActor(p),
        kind: 'chat',
        source: 'chat',
      },
      preflight,
    );
    if (attachments.length) {
      // the turn runs already: a failed link is logged, never reported as a failed send
      await this.artifacts
        .linkToConversation(p.orgId, attachments, c.id, p.userId)
        .catch((err: Error) => this.logger.warn(`linking attachments to ${c.id} failed: ${err.message}`));
    }
    return started;
  }

  /**
   * `skills: [slug]` of the send body: enabled for the conversation before the turn starts, as
   * `POST …/skills` would (404 `skill_not_found`, 409 `skill_budget_exceeded`: no turn starts).
   */
  private async preEnableSkills(p: Principal, conversationId: string, agent: string, slugs: string[]): Promise<void> {
    const unique = [...new Set(slugs)];
    if (!unique.length) {
      return;
    }
    const { skills } = await this.agents.agent(p.orgId, agent);
    const scope = { orgId: p.orgId, conversationId, agentSkills: skills ?? [], userId: p.userId };
    for (const slug of unique) {
      await this.skills.enable(scope, slug);
    }
  }

  /** The attachment ids without duplicates; 404 when one is not an artifact of the org (no turn starts). */
  private async checkAttachments(orgId: string, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) {
      return [];
    }
    const found = new Set((await this.artifacts.findMany(orgId, unique)).map((a) => a.id));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length) {
      throw new NotFoundException('Artifact', { artifact_ids: missing });
    }
    return unique;
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
