import { entityRows, EntityRows } from '@libs/database/entity-rows';
import { preparedStatement } from '@libs/database/prepared-statement';
import { Page, PageQuery, paginate, paginateSql } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Repository } from 'typeorm';
import { ConversationEntity, MessageEntity, ToolCallEntity, TurnEntity, TurnStatus } from './chat.entity';
import { ConversationsCache } from './conversations-cache';

export class TurnLockedError extends Error {}
/** The conversation of a turn start was deleted (or never was the org's): no turn was stored. */
export class ConversationGoneError extends Error {}

export interface NewConversation {
  orgId: string;
  title: string;
  realm?: string | null;
  agent: string;
  agentId?: string | null;
  createdBy?: string | null;
  archived?: boolean;
  externalKey?: string | null;
}

export interface ConversationFilter {
  userId: string | null;
  archived?: boolean;
  realm?: string;
  agent?: string;
  q?: string;
}

/**
 * Conversations, messages, turns and tool calls in PostgreSQL (approvals: ApprovalsRepository; inbound
 * endpoints: IncomingEndpointsRepository). Every method is org-scoped where a caller names a row.
 */
@Injectable()
export class ChatRepository {
  /** columns and row → entity for the one-statement list, built on first use */
  private conversationRows?: EntityRows<ConversationEntity>;
  /** the hot statements of a send (before `message_start`), of a turn and of a new conversation, prepared on first use */
  private sendPath?: {
    conversation: (values: unknown[]) => Promise<Record<string, unknown>[]>;
    createConversation: (values: unknown[]) => Promise<Record<string, unknown>[]>;
    messageRows: EntityRows<MessageEntity>;
    transcript: (values: unknown[]) => Promise<Record<string, unknown>[]>;
    endTurn: (values: unknown[]) => Promise<{ finished: boolean }[]>;
    startTurn: (values: unknown[]) => Promise<{ id: string; created_at: Date; m_created_at: Date; m_seq: string }[]>;
  };

  constructor(
    private readonly ds: DataSource,
    @InjectRepository(ConversationEntity) private readonly conversations: Repository<ConversationEntity>,
    @InjectRepository(MessageEntity) private readonly messages: Repository<MessageEntity>,
    @InjectRepository(TurnEntity) private readonly turns: Repository<TurnEntity>,
    @InjectRepository(ToolCallEntity) private readonly toolCalls: Repository<ToolCallEntity>,
    private readonly conversationsCache: ConversationsCache,
  ) {}

  // ---- conversations ----
  /** One INSERT … RETURNING (a unique `external_key` taken → QueryFailedError with code 23505). */
  async createConversation(data: NewConversation): Promise<ConversationEntity> {
    const rows = await this.statements().createConversation([
      data.orgId,
      data.title,
      data.realm ?? null,
      data.agent,
      data.agentId ?? null,
      data.createdBy ?? null,
      data.archived ?? false,
      data.externalKey ?? null,
    ]);
    // a second instance for the cache, which freezes it
    this.conversationsCache.created(this.conversationRows!.map(rows[0]));
    return this.conversationRows!.map(rows[0]);
  }

  async findConversation(orgId: string, id: string): Promise<ConversationEntity | null> {
    if (!isUuid(id)) {
      return null;
    }
    const rows = await this.statements().conversation([id, orgId]);
    return rows.length ? this.conversationRows!.map(rows[0]) : null;
  }

  /**
   * The conversation as a turn start needs it, from the replica's ConversationsCache: frozen, and its
   * `lastMessageAt` and `updatedAt` may lag (edits and deletions are announced; `startTurn`
   * re-checks that the conversation exists).
   */
  findConversationForTurn(orgId: string, id: string): Promise<ConversationEntity | null> {
    return this.conversationsCache.get(orgId, id, () => this.findConversation(orgId, id));
  }

  findConversationByExternalKey(orgId: string, key: string): Promise<ConversationEntity | null> {
    return this.conversations.findOne({ where: { orgId, externalKey: key, deletedAt: IsNull() } });
  }

  listConversations<R>(
    orgId: string,
    f: ConversationFilter,
    query: PageQuery,
    map: (c: ConversationEntity) => R,
  ): Promise<Page<R>> {
    const params: unknown[] = [orgId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['c.org_id = $1', 'c.deleted_at IS NULL'];
    if (f.userId) {
      where.push(`c.created_by = ${param(f.userId)}`);
    }
    if (f.archived !== undefined) {
      where.push(`c.archived = ${param(f.archived)}`);
    }
    if (f.realm) {
      where.push(`c.realm = ${param(f.realm)}`);
    }
    if (f.agent) {
      const agent = param(f.agent);
      where.push(`(c.agent = ${agent} OR c.agent_id = ${agent})`);
    }
    if (f.q) {
      where.push(`c.title ILIKE ${param(`%${f.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`)}`);
    }
    const rows = (this.conversationRows ??= entityRows(this.ds, ConversationEntity, 'c'));
    return paginateSql((sql, p) => this.ds.query(sql, p), query, {
      scope: `conversations:${orgId}:${f.userId ?? '*'}:${f.archived ?? ''}:${f.realm ?? ''}:${f.agent ?? ''}:${f.q ?? ''}`,
      columns: rows.columns,
      table: 'conversations',
      alias: 'c',
      where,
      params,
      map: (row) => map(rows.map(row)),
    });
  }

  /** Title, realm, archived flag or deletion: announced to every replica's ConversationsCache. */
  async updateConversation(orgId: string, id: string, patch: Partial<ConversationEntity>): Promise<void> {
    await this.conversations.update({ id, orgId }, patch);
    await this.conversationsCache.changed(id);
  }

  async touchConversation(id: string): Promise<void> {
    await this.conversations.update({ id }, { lastMessageAt: new Date() });
  }

  // ---- messages ----
  async insertMessage(data: Partial<MessageEntity>): Promise<MessageEntity> {
    const row = this.messages.create(data);
    await this.messages.insert(row as never);
    return row;
  }

  findMessage(id: string): Promise<MessageEntity | null> {
    return this.messages.findOne({ where: { id } });
  }

  listMessages<R>(
    orgId: string,
    conversationId: string,
    query: PageQuery,
    order: 'asc' | 'desc',
    map: (m: MessageEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.messages
      .createQueryBuilder('m')
      .where('m.org_id = :orgId AND m.conversation_id = :cid', { orgId, cid: conversationId });
    return paginate(qb, query, {
      scope: `messages:${conversationId}:${order}`,
      map,
      sortProperty: 'seq',
      direction: order === 'asc' ? 'ASC' : 'DESC',
    });
  }

  async transcript(conversationId: string): Promise<MessageEntity[]> {
    const q = this.statements();
    return (await q.transcript([conversationId])).map(q.messageRows.map);
  }

  /**
   * History compaction in ONE statement (atomic): inserts the summary as a `system` message of kind
   * `compaction_summary` and flags the summarised messages (and the summary they replace)
   * `compacted`; rows already compacted are left alone.
   */
  async storeCompaction(
    summary: { orgId: string; conversationId: string; turnId: string | null; content: string },
    compactedIds: string[],
  ): Promise<{ id: string; seq: number }> {
    const rows: { id: string; seq: string }[] = await this.ds.query(
      `WITH s AS (
         INSERT INTO chat_messages (org_id, conversation_id, turn_id, role, kind, content, tool_calls)
         VALUES ($1, $2, $3, 'system', 'compaction_summary', $4, '[]'::jsonb) RETURNING id, seq
       ), c AS (
         UPDATE chat_messages SET compacted = true, updated_at = now()
         WHERE conversation_id = $2 AND id = ANY($5::uuid[]) AND compacted = false
       )
       SELECT id, seq FROM s`,
      [summary.orgId, summary.conversationId, summary.turnId, summary.content, compactedIds],
    );
    return { id: rows[0].id, seq: Number(rows[0].seq) };
  }

  // ---- turns ----
  /**
   * Inserts the running turn and the user message and touches the conversation in ONE statement
   * (atomic, one round trip); a running turn already there → TurnLockedError (unique partial index);
   * the conversation deleted meanwhile → ConversationGoneError.
   */
  async startTurn(
    turn: Partial<TurnEntity> & {
      orgId: string;
      conversationId: string;
      assistantMessageId: string;
      ownerInstance: string;
    },
    userMessage: { id: string; content: string; attachments?: string[] | null },
  ): Promise<{ turn: TurnEntity; userMessage: MessageEntity }> {
    const attachments = userMessage.attachments?.length ? userMessage.attachments : null;
    let rows: { id: string; created_at: Date; m_created_at: Date; m_seq: string }[];
    try {
      rows = await this.statements().startTurn([
        turn.orgId,
        turn.conversationId,
        turn.kind ?? 'chat',
        turn.agent ?? null,
        turn.agentId ?? null,
        turn.ownerInstance,
        userMessage.id,
        turn.assistantMessageId,
        userMessage.content,
        turn.createdBy ?? null,
        attachments ? JSON.stringify(attachments) : null,
      ]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new TurnLockedError();
      }
      throw err;
    }
    const r = rows[0];
    if (!r) {
      throw new ConversationGoneError();
    }
    // plain instances (no metadata walk): every property is a column of the row just written
    const saved = Object.assign(new TurnEntity(), {
      ...turn,
      id: r.id,
      status: 'running',
      userMessageId: userMessage.id,
      input: userMessage.content,
      createdAt: r.created_at,
      updatedAt: r.created_at,
    });
    const msg = Object.assign(new MessageEntity(), {
      id: userMessage.id,
      orgId: turn.orgId,
      conversationId: turn.conversationId,
      turnId: r.id,
      role: 'user',
      content: userMessage.content,
      toolCalls: [],
      attachments,
      createdAt: r.m_created_at,
      seq: Number(r.m_seq),
    });
    return { turn: saved, userMessage: msg };
  }

  findTurn(orgId: string, id: string): Promise<TurnEntity | null> {
    if (!isUuid(id)) {
      return Promise.resolve(null);
    }
    return this.turns.findOne({ where: { id, orgId } });
  }

  findTurnById(id: string): Promise<TurnEntity | null> {
    return this.turns.findOne({ where: { id } });
  }

  latestTurn(conversationId: string): Promise<TurnEntity | null> {
    return this.turns.findOne({ where: { conversationId }, order: { createdAt: 'DESC' } });
  }

  runningTurn(conversationId: string): Promise<TurnEntity | null> {
    return this.turns.findOne({ where: { conversationId, status: 'running' } });
  }

  async isTurnRunning(id: string): Promise<boolean> {
    return (await this.turns.count({ where: { id, status: 'running' } })) > 0;
  }

  /** Finishes a turn owned by `owner`; false when it was already finished or adopted by another replica. */
  async finishTurn(
    id: string,
    owner: string,
    patch: {
      status: TurnStatus;
      finishReason: string;
      output?: string;
      usage?: Record<string, number>;
      error?: { code: string; message: string } | null;
    },
  ): Promise<boolean> {
    const res = await this.turns
      .createQueryBuilder()
      .update()
      .set({
        status: patch.status,
        finishReason: patch.finishReason,
        output: patch.output ?? null,
        usage: patch.usage ?? null,
        error: patch.error ?? null,
        finishedAt: () => 'now()',
      })
      .where('id = :id AND status = :running AND owner_instance = :owner', { id, running: 'running', owner })
      .execute();
    return (res.affected ?? 0) > 0;
  }

  /**
   * The end of a turn in ONE statement (all or nothing): the assistant message, the conversation's
   * `last_message_at`, and the turn finished if `owner` still owns it while it runs. Returns whether the
   * turn was finished (false: already finished or adopted by another replica; the message is stored anyway,
   * as with insertMessage + touchConversation + finishTurn).
   */
  async endTurn(
    message: {
      id: string;
      orgId: string;
      conversationId: string;
      turnId: string;
      content: string;
      toolCalls: unknown[];
      finishReason: string;
      usage: Record<string, number> | null;
    },
    owner: string,
    patch: { status: TurnStatus; error: { code: string; message: string } | null },
  ): Promise<boolean> {
    const rows = await this.statements().endTurn([
      message.id,
      message.orgId,
      message.conversationId,
      message.turnId,
      message.content,
      JSON.stringify(message.toolCalls),
      message.finishReason,
      message.usage == null ? null : JSON.stringify(message.usage),
      owner,
      patch.status,
      patch.error === null ? null : JSON.stringify(patch.error),
    ]);
    return rows[0]?.finished === true;
  }

  runningTurns(): Promise<TurnEntity[]> {
    return this.turns.find({ where: { status: 'running' }, take: 500 });
  }

  async adoptTurn(id: string, fromOwner: string, toOwner: string): Promise<boolean> {
    const res = await this.turns.update(
      { id, status: 'running', ownerInstance: fromOwner },
      { ownerInstance: toOwner },
    );
    return (res.affected ?? 0) > 0;
  }

  // ---- tool calls ----
  async insertToolCall(data: Partial<ToolCallEntity>): Promise<ToolCallEntity> {
    const row = this.toolCalls.create(data);
    await this.toolCalls.insert(row as never);
    return row;
  }

  async updateToolCall(id: string, patch: Partial<ToolCallEntity>): Promise<void> {
    await this.toolCalls.update({ id }, patch as never);
  }

  /** Moves a tool call from one of `from` statuses to `to`; false if it was not in one of them. */
  async transitionToolCall(id: string, from: string[], patch: Partial<ToolCallEntity>): Promise<boolean> {
    const res = await this.toolCalls.update({ id, status: In(from) as never }, patch as never);
    return (res.affected ?? 0) > 0;
  }

  findToolCall(orgId: string, id: string): Promise<ToolCallEntity | null> {
    return this.toolCalls.findOne({ where: { id, orgId } });
  }

  toolCallsOfTurn(turnId: string): Promise<ToolCallEntity[]> {
    return this.toolCalls.find({ where: { turnId }, order: { createdAt: 'ASC' } });
  }

  private statements(): NonNullable<ChatRepository['sendPath']> {
    if (this.sendPath) {
      return this.sendPath;
    }
    const conversations = (this.conversationRows ??= entityRows(this.ds, ConversationEntity, 'c'));
    const messageRows = entityRows(this.ds, MessageEntity, 'm');
    this.sendPath = {
      conversation: preparedStatement(
        this.ds,
        'chat_conversation_by_id',
        `SELECT ${conversations.columns} FROM conversations c WHERE c.id = $1 AND c.org_id = $2 AND c.deleted_at IS NULL`,
      ),
      createConversation: preparedStatement(
        this.ds,
        'chat_create_conversation',
        `INSERT INTO conversations AS c (org_id, title, realm, agent, agent_id, created_by, archived, external_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${conversations.columns}`,
      ),
      startTurn: preparedStatement(this.ds, 'chat_start_turn', START_TURN_SQL),
      messageRows,
      transcript: preparedStatement(
        this.ds,
        'chat_transcript',
        `SELECT ${messageRows.columns} FROM chat_messages m WHERE m.conversation_id = $1 AND m.compacted = false ORDER BY m.seq ASC`,
      ),
      endTurn: preparedStatement(this.ds, 'chat_end_turn', END_TURN_SQL),
    };
    return this.sendPath;
  }
}

/**
 * The running turn, the user message and the conversation's touch in one statement (see startTurn);
 * nothing is written when the conversation is gone (the caller may have read it from a cache).
 */
const START_TURN_SQL = `WITH t AS (
  INSERT INTO chat_turns (org_id, conversation_id, kind, agent, agent_id, status, owner_instance, user_message_id, assistant_message_id, input, created_by)
  SELECT c.org_id, c.id, $3::varchar, $4::varchar, $5::varchar, 'running', $6::varchar, $7::uuid, $8::uuid, $9::text, $10::uuid
  FROM conversations c WHERE c.id = $2::uuid AND c.org_id = $1::uuid AND c.deleted_at IS NULL
  RETURNING id, created_at
), m AS (
  INSERT INTO chat_messages (id, org_id, conversation_id, turn_id, role, content, tool_calls, attachments)
  SELECT $7, $1, $2, t.id, 'user', $9, '[]'::jsonb, $11::jsonb FROM t RETURNING created_at, seq
), c AS (
  UPDATE conversations SET last_message_at = now() WHERE id = $2 AND EXISTS (SELECT 1 FROM t)
)
SELECT t.id, t.created_at, m.created_at AS m_created_at, m.seq AS m_seq FROM t, m`;

/** See endTurn: the three writes that followed one another at the end of a turn, as one statement. */
const END_TURN_SQL = `WITH m AS (
  INSERT INTO chat_messages (id, org_id, conversation_id, turn_id, role, content, tool_calls, finish_reason, usage)
  VALUES ($1, $2, $3, $4, 'assistant', $5, $6::jsonb, $7, $8::jsonb) RETURNING id
), c AS (
  UPDATE conversations SET last_message_at = now(), updated_at = now() WHERE id = $3 AND EXISTS (SELECT 1 FROM m)
), t AS (
  UPDATE chat_turns SET status = $10, finish_reason = $7, output = $5, usage = $8::jsonb, error = $11::jsonb,
    finished_at = now(), updated_at = now()
  WHERE id = $4 AND status = 'running' AND owner_instance = $9 AND EXISTS (SELECT 1 FROM m)
  RETURNING id
)
SELECT EXISTS (SELECT 1 FROM t) AS finished`;

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
