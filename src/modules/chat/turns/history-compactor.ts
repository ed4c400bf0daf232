import { AppConfig } from '@libs/config';
import { LlmProviderFactory, type LlmProvider } from '@libs/llm/llm.port';
import { Injectable, Logger } from '@nestjs/common';
import type { MessageEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';

/** Compaction starts when the estimated transcript passes this share of the context budget. */
export const COMPACTION_THRESHOLD = 0.75;
export const COMPACTION_SUMMARY_KIND = 'compaction_summary';
/** Longest summary stored (characters); a longer model answer is cut. */
export const MAX_SUMMARY_CHARS = 8000;
/** Per-message caps when the summarised messages are shown to the summarising model. */
const MESSAGE_CHARS = 2000;
const TOOL_RESULT_CHARS = 500;
/** Per-message cap of the summary built without a model (offline provider). */
const EXTRACT_CHARS = 200;
const SUMMARY_TIMEOUT_MS = 60_000;

export const COMPACTION_SYSTEM_PROMPT =
  'You compact the history of a chat between a user and an operations assistant. Summarise the ' +
  'conversation below so the assistant can continue it without the original messages: the user’s ' +
  'goals and questions, facts and results learned (names, ids, numbers), tool calls made and their ' +
  'outcomes, decisions, and open items. Plain text, at most 300 words. Do not invent anything.';

/** The conversation as the model is to see it: the active summary (if any) and the verbatim messages. */
export interface ConversationHistory {
  summary: string | null;
  /** uncompacted messages, oldest first, summaries excluded */
  messages: MessageEntity[];
}

export interface HistoryScope {
  orgId: string;
  conversationId: string;
  turnId: string;
  /** the agent's model override, used for the summary call too */
  model?: string | null;
}

/** ~4 characters per token, plus a small overhead per message (docs/chat.md, "History compaction"). */
export function estimateTokens(summary: string | null, messages: MessageEntity[]): number {
  let chars = summary?.length ?? 0;
  for (const m of messages) {
    chars += m.content.length + (m.role === 'tool' ? JSON.stringify(m.toolCalls?.[0]?.args ?? {}).length : 0);
  }
  return Math.ceil(chars / 4) + 4 * messages.length;
}

const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
};

/** One line per message, each cut to `max` characters (tool results to a quarter of it at most). */
export function renderMessages(messages: MessageEntity[], max: number): string[] {
  const out: string[] = [];
  for (const m of messages) {
    if (m.role === 'user') {
      out.push(`User: ${oneLine(m.content, max)}`);
    } else if (m.role === 'assistant') {
      const tools = (m.toolCalls ?? []).map((c) => c.tool ?? c.name).filter(Boolean);
      const used = tools.length ? ` [tools used: ${tools.join(', ')}]` : '';
      if (m.content || used) {
        out.push(`Assistant: ${oneLine(m.content, max)}${used}`);
      }
    } else if (m.role === 'tool') {
      const call = m.toolCalls?.[0];
      out.push(
        `Tool ${call?.tool ?? call?.name ?? 'call'}(${oneLine(JSON.stringify(call?.args ?? {}), 200)}) → ` +
          oneLine(m.content, Math.min(max, TOOL_RESULT_CHARS)),
      );
    } else if (m.content) {
      out.push(`Note: ${oneLine(m.content, max)}`);
    }
  }
  return out;
}

/** Keeps the newest lines within `maxChars`, saying how many older ones were left out. */
function newestWithin(lines: string[], maxChars: number): string[] {
  const kept: string[] = [];
  let used = 40; // room for the "left out" line
  for (let i = lines.length - 1; i >= 0; i--) {
    if (used + lines[i].length + 1 > maxChars) {
      return [`(${i + 1} earlier messages left out)`, ...kept];
    }
    kept.unshift(lines[i]);
    used += lines[i].length + 1;
  }
  return kept;
}

/** The deterministic summary used when the org's provider is the offline one (not a language model). */
export function extractiveSummary(previous: string | null, messages: MessageEntity[]): string {
  const head = `Summary of ${messages.length} earlier messages (extract, no model):`;
  const prev = previous ? [`Earlier: ${oneLine(previous, MAX_SUMMARY_CHARS / 4)}`] : [];
  const budget = MAX_SUMMARY_CHARS - head.length - (prev[0]?.length ?? 0) - 2;
  return [head, ...prev, ...newestWithin(renderMessages(messages, EXTRACT_CHARS), budget)].join('\n');
}

/**
 * History compaction (chat-and-approvals.md §1): when the estimated transcript passes
 * `COMPACTION_THRESHOLD` of `CHAT_CONTEXT_BUDGET_TOKENS`, every message but the last
 * `CHAT_COMPACTION_KEEP_MESSAGES` is summarised by the org's provider into one `system` message
 * (`kind: compaction_summary`) and flagged `compacted`; the model then sees the summary and the
 * kept messages only. A failed summary call leaves the stored history as it is and the turn gets
 * the kept messages only (truncation); the next turn tries again. Runs inside the turn, so the turn
 * lock makes it one compaction at a time per conversation.
 */
@Injectable()
export class HistoryCompactor {
  private readonly logger = new Logger(HistoryCompactor.name);

  constructor(
    private readonly repo: ChatRepository,
    private readonly llm: LlmProviderFactory,
    private readonly config: AppConfig,
  ) {}

  async history(scope: HistoryScope): Promise<ConversationHistory> {
    const rows = await this.repo.transcript(scope.conversationId);
    const previous = rows.filter((m) => m.kind === COMPACTION_SUMMARY_KIND).pop() ?? null;
    const messages = rows.filter((m) => m.kind !== COMPACTION_SUMMARY_KIND);
    const summary = previous?.content ?? null;
    const { contextBudgetTokens, compactionKeepMessages } = this.config.chat;
    if (
      messages.length <= compactionKeepMessages ||
      estimateTokens(summary, messages) <= COMPACTION_THRESHOLD * contextBudgetTokens
    ) {
      return { summary, messages };
    }
    const old = messages.slice(0, messages.length - compactionKeepMessages);
    const kept = messages.slice(messages.length - compactionKeepMessages);
    const text = await this.summarise(scope, summary, old);
    if (!text) {
      return { summary, messages: kept };
    }
    try {
      await this.repo.storeCompaction(
        { orgId: scope.orgId, conversationId: scope.conversationId, turnId: scope.turnId, content: text },
        [...old.map((m) => m.id), ...(previous ? [previous.id] : [])],
      );
      this.logger.log(`conversation ${scope.conversationId}: ${old.length} messages compacted`);
    } catch (err) {
      // this turn still uses the summary; the next one compacts again
      this.logger.warn(
        `conversation ${scope.conversationId}: storing the compaction failed: ${(err as Error).message}`,
      );
    }
    return { summary: text, messages: kept };
  }

  /** The summary text, or null when the summary call failed (logged). */
  private async summarise(scope: HistoryScope, previous: string | null, old: MessageEntity[]): Promise<string | null> {
    try {
      const provider = await this.llm.forOrg(scope.orgId, scope.model ? { model: scope.model } : undefined);
      if (provider.name === 'offline') {
        return extractiveSummary(previous, old);
      }
      const text = (await this.callModel(provider, previous, old, scope.model ?? undefined)).trim();
      if (!text) {
        throw new Error('the model returned an empty summary');
      }
      return text.length > MAX_SUMMARY_CHARS ? `${text.slice(0, MAX_SUMMARY_CHARS)}…` : text;
    } catch (err) {
      this.logger.warn(
        `conversation ${scope.conversationId}: summary call failed, older messages left out of this turn: ${(err as Error).message}`,
      );
      return null;
    }
  }

  private async callModel(
    provider: LlmProvider,
    previous: string | null,
    old: MessageEntity[],
    model: string | undefined,
  ): Promise<string> {
    // the summarising call must fit the same window: the newest lines within 75 % of it (~4 chars a token)
    const maxChars = Math.floor(this.config.chat.contextBudgetTokens * 4 * COMPACTION_THRESHOLD);
    const prev = previous ? `Summary of the conversation before these messages:\n${previous}\n\n` : '';
    const lines = newestWithin(renderMessages(old, MESSAGE_CHARS), Math.max(1000, maxChars - prev.length));
    let text = '';
    for await (const ev of provider.stream({
      system: COMPACTION_SYSTEM_PROMPT,
      messages: [{ role: 'user', content: `${prev}Messages to summarise:\n${lines.join('\n')}` }],
      tools: [],
      model,
      signal: AbortSignal.timeout(SUMMARY_TIMEOUT_MS),
    })) {
      if (ev.type === 'text_delta') {
        text += ev.delta;
      } else if (ev.type === 'finish' && ev.finishReason === 'error') {
        throw new Error('the model ended with an error');
      }
    }
    return text;
  }
}
