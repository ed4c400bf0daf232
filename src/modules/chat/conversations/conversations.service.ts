import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { roleRank } from '@libs/auth/principal';
import { ConflictException, NotFoundException } from '@libs/errors';
import { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ApprovalSignals } from 'src/modules/chat/approvals/approval-signals';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import { ConversationEntity } from 'src/modules/chat/chat.entity';
import { toApprovalDto, toConversationDto, toMessageDto } from 'src/modules/chat/chat.mappers';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import {
  ConversationDetailDto,
  ConversationDto,
  CreateConversationDto,
  ListConversationsQuery,
  ListMessagesQuery,
  MessageDto,
  UpdateConversationDto,
} from 'src/modules/chat/dto/chat.dto';
import { TurnsService } from 'src/modules/chat/turns/turns.service';
import { RealmCheck } from 'src/modules/settings/realm-check';

export const isAdmin = (p: Principal) => roleRank(p.role) >= roleRank('admin');

@Injectable()
export class ConversationsService {
  constructor(
    private readonly repo: ChatRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly agents: ChatAgents,
    private readonly realms: RealmCheck,
    private readonly audit: AuditService,
    private readonly turns: TurnsService,
    private readonly signals: ApprovalSignals,
    private readonly runtime: ChatRuntime,
  ) {}

  /** The conversation if the caller may read it (its creator, or an admin of the org); else 404. */
  async readable(p: Principal, id: string): Promise<ConversationEntity> {
    return this.readableBy(p, await this.repo.findConversation(p.orgId, id));
  }

  /**
   * As `readable`, for starting a turn: from the replica's cache (frozen; `lastMessageAt` may lag),
   * as the turn's insert re-checks that the conversation still exists.
   */
  async startable(p: Principal, id: string): Promise<ConversationEntity> {
    return this.readableBy(p, await this.repo.findConversationForTurn(p.orgId, id));
  }

  private readableBy(p: Principal, c: ConversationEntity | null): ConversationEntity {
    if (!c || (c.createdBy !== p.userId && !isAdmin(p))) {
      throw new NotFoundException('Conversation');
    }
    return c;
  }

  async create(p: Principal, dto: CreateConversationDto): Promise<ConversationDto> {
    await this.realms.assertExists(p, dto.realm, 'realm', { acceptId: true });
    const agent = await this.agents.agent(p.orgId, dto.agent_id ?? dto.agent ?? 'default');
    const c = await this.repo.createConversation({
      orgId: p.orgId,
      title: dto.title?.trim() || 'New conversation',
      realm: dto.realm ?? agent.realm ?? null,
      agent: agent.name,
      agentId: agent.id,
      createdBy: p.userId,
      archived: false,
    });
    return toConversationDto(c);
  }

  list(p: Principal, q: ListConversationsQuery): Promise<Page<ConversationDto>> {
    const userId = q.all && isAdmin(p) ? null : p.userId;
    return this.repo.listConversations(
      p.orgId,
      { userId, archived: q.archived, realm: q.realm, agent: q.agent, q: q.q },
      q,
      toConversationDto,
    );
  }

  async get(p: Principal, id: string): Promise<ConversationDetailDto> {
    const c = await this.readable(p, id);
    const [pending, running] = await Promise.all([this.approvals.pendingApprovals(c.id), this.repo.runningTurn(c.id)]);
    return {
      ...toConversationDto(c),
      pending_approvals: pending.map(toApprovalDto),
      active_turn_id: running?.id ?? null,
    };
  }

  async update(
    p: Principal,
    id: string,
    dto: UpdateConversationDto,
    meta: { requestId?: string | null; ip?: string | null } = {},
  ): Promise<ConversationDto> {
    const c = await this.readable(p, id);
    await this.realms.assertExists(p, dto.realm || undefined, 'realm', { acceptId: true });
    const patch: Partial<ConversationEntity> = {};
    if (dto.title !== undefined) {
      patch.title = dto.title.trim();
    }
    if (dto.archived !== undefined) {
      patch.archived = dto.archived;
    }
    if (dto.realm !== undefined) {
      patch.realm = dto.realm || null;
    }
    if (Object.keys(patch).length) {
      await this.repo.updateConversation(p.orgId, c.id, patch);
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.conversation.update',
      result: 'success',
      actor: p,
      target: { type: 'conversation', id: c.id },
      details: { changes: dto as Record<string, unknown> },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return toConversationDto((await this.repo.findConversation(p.orgId, c.id))!);
  }

  async remove(p: Principal, id: string, meta: { requestId?: string | null; ip?: string | null } = {}): Promise<void> {
    const c = await this.readable(p, id);
    await this.repo.updateConversation(p.orgId, c.id, { deletedAt: new Date() });
    const running = await this.repo.runningTurn(c.id);
    if (running) {
      await this.runtime.requestCancel(running.id);
    }
    for (const a of await this.approvals.expireForConversation(c.id)) {
      await this.signals.publish(a.id, 'expired', 'conversation deleted');
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.conversation.delete',
      result: 'success',
      actor: p,
      target: { type: 'conversation', id: c.id },
      requestId: meta.requestId,
      ip: meta.ip,
    });
  }

  async messages(p: Principal, id: string, q: ListMessagesQuery): Promise<Page<MessageDto>> {
    const c = await this.readable(p, id);
    return this.repo.listMessages(p.orgId, c.id, q, q.order ?? 'asc', toMessageDto);
  }

  async cancel(p: Principal, id: string): Promise<{ cancelled: boolean; turn_id: string }> {
    const c = await this.readable(p, id);
    const turn = await this.turns.cancel(p.orgId, c.id);
    if (!turn) {
      throw new ConflictException(
        'No turn is running in this conversation',
        { conversation_id: c.id },
        'no_turn_in_progress',
      );
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'chat',
      action: 'chat.turn.cancel',
      result: 'success',
      actor: p,
      target: { type: 'turn', id: turn.id, conversation_id: c.id },
    });
    return { cancelled: true, turn_id: turn.id };
  }
}
