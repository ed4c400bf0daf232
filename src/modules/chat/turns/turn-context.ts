import type { LlmMessage } from '@libs/llm/llm.port';
import { Injectable, Logger } from '@nestjs/common';
import { ArtifactsContract, type ArtifactText } from 'src/modules/artifacts/artifacts.contract';
import type { ConversationEntity, MessageEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ChatSecurity } from 'src/modules/chat/context/chat-security';
import { DEFAULT_SYSTEM_PROMPT, EXECUTE_TOOL } from 'src/modules/chat/tools/meta-tools';
import type { ToolRunContext, TurnEmitter } from 'src/modules/chat/tools/tool-call.types';
import { GraphContract, type GraphContextNode } from 'src/modules/graph/graph.contract';
import { MemoryContract, type RecalledMemory } from 'src/modules/memory/memory.contract';
import { SkillsContract, type ConversationSkillsScope } from 'src/modules/skills/skills.contract';
import { HistoryCompactor } from './history-compactor';
import type { StartTurnInput } from './turn-state';

/** Memories recalled for the user message at the start of a turn (docs/chat.md, "Context step"). */
export const CONTEXT_MEMORY_TOP_K = 5;
/** Graph nodes matched to the user message, and the size cap of their section. */
export const CONTEXT_GRAPH_TOP_K = 5;
export const CONTEXT_GRAPH_CHARS = 2000;
/** Text of attachments given to the model: per file, and over all messages of the context (newest first). */
export const ATTACHMENT_CHARS = 8000;
export const ATTACHMENTS_TOTAL_CHARS = 20_000;

/** The `## Knowledge graph` lines (`- [Label] name (id, realm): summary`), cut to CONTEXT_GRAPH_CHARS. */
export function graphSection(nodes: GraphContextNode[]): string {
  const lines: string[] = [];
  let size = 0;
  for (const n of nodes) {
    const label = n.labels.length ? `[${n.labels.join(', ')}] ` : '';
    const where = n.realm ? `${n.id}, realm ${n.realm}` : n.id;
    const line = `- ${label}${n.name} (${where})${n.summary ? `: ${n.summary.replace(/\s+/g, ' ')}` : ''}`;
    if (size + line.length + 1 > CONTEXT_GRAPH_CHARS) {
      break;
    }
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** How an attachment reaches the model: its text in a delimited block, or a line for a binary. */
export function renderAttachment(id: string, a: ArtifactText | null): string {
  if (!a) {
    return `[Attached file ${id}: not available]`;
  }
  const head = `[Attached file: ${a.name} (${a.mime}, ${a.sizeBytes} bytes)`;
  if (a.text === null) {
    return `${head}: binary, content not shown]`;
  }
  if (!a.text && a.truncated) {
    return `${head}: content left out, the attachment budget of this context is used up]`;
  }
  const tail = a.truncated ? `[${a.name}: the rest of the file is left out]` : `[end of ${a.name}]`;
  return `${head}]\n${a.text}\n${tail}`;
}

/**
 * The system prompt: the base prompt (+ the agent's), then the recalled memories, then the
 * matching knowledge-graph nodes, then the enabled skills (each `### Skill: <name> (v<version>)`, within the conversation's budget), then
 * the summary of the compacted history.
 */
export function composeSystemPrompt(
  base: string,
  memories: RecalledMemory[],
  skills: string,
  historySummary: string | null = null,
  graph = '',
): string {
  let out = base;
  if (memories.length) {
    out +=
      '\n\n## Organization memory\nThings remembered in this organization, most relevant first; use them when they apply:\n' +
      memories.map((m) => `- [${m.kind}] ${m.text}`).join('\n');
  }
  if (graph) {
    out += `\n\n## Knowledge graph\nNodes of the organization's knowledge graph matching the message, most relevant first:\n${graph}`;
  }
  if (skills) {
    out += `\n\n## Skills\n\n${skills}`;
  }
  if (historySummary) {
    out += `\n\n## Earlier in this conversation (summary)\nOlder messages were compacted into this summary:\n${historySummary}`;
  }
  return out;
}

/** Everything one turn's loop works with. */
export interface TurnContext {
  system: string;
  /** the transcript, grown by the loop with assistant tool calls and their results */
  messages: LlmMessage[];
  tools: ToolRunContext;
  isCancelled: () => Promise<boolean>;
}

/** Context building: the system prompt, the transcript as the model sees it, the tool-run context. */
@Injectable()
export class TurnContextBuilder {
  private readonly logger = new Logger(TurnContextBuilder.name);

  constructor(
    private readonly memory: MemoryContract,
    private readonly skills: SkillsContract,
    private readonly compactor: HistoryCompactor,
    private readonly graph: GraphContract,
    private readonly artifacts: ArtifactsContract,
  ) {}

  async build(
    turn: TurnEntity,
    conversation: ConversationEntity,
    agent: ChatAgent,
    security: ChatSecurity,
    input: StartTurnInput,
    emit: TurnEmitter,
    isCancelled: () => Promise<boolean>,
  ): Promise<TurnContext> {
    const base = agent.systemPrompt ? `${DEFAULT_SYSTEM_PROMPT}\n\n${agent.systemPrompt}` : DEFAULT_SYSTEM_PROMPT;
    const skillScope: ConversationSkillsScope = {
      orgId: input.orgId,
      conversationId: conversation.id,
      agentSkills: agent.skills ?? [],
      userId: input.actor.userId,
    };
    const [{ history, attachments }, memories, skills, graph] = await Promise.all([
      this.compactor
        .history({
          orgId: input.orgId,
          conversationId: conversation.id,
          turnId: turn.id,
          model: agent.model,
        })
        .then(async (h) => ({ history: h, attachments: await this.attachmentTexts(input.orgId, h.messages) })),
      this.recall(input.orgId, input.content, conversation.realm),
      this.skillsSection(skillScope),
      this.graphContext(input.orgId, input.content, conversation.realm),
    ]);
    const tools: ToolRunContext = {
      orgId: input.orgId,
      conversationId: conversation.id,
      turnId: turn.id,
      messageId: turn.assistantMessageId,
      source: input.source,
      actor: input.actor,
      agent,
      conversationRealm: conversation.realm,
      security,
      emit,
      isCancelled,
    };
    const ctx: TurnContext = {
      system: composeSystemPrompt(base, memories, skills, history.summary, graph),
      messages: toLlmMessages(history.messages, attachments),
      tools,
      isCancelled,
    };
    // enable_skill / disable_skill change the prompt from the next model call of this turn
    tools.refreshSkills = async () => {
      ctx.system = composeSystemPrompt(base, memories, await this.skillsSection(skillScope), history.summary, graph);
    };
    return ctx;
  }

  /** Top memories for the user message in the conversation's realm plus the realm-less ones; none when recall fails. */
  private async recall(orgId: string, content: string, realm: string | null): Promise<RecalledMemory[]> {
    if (!content.trim()) {
      return [];
    }
    try {
      return await this.memory.recall(orgId, content, { realm: realm ?? undefined, topK: CONTEXT_MEMORY_TOP_K });
    } catch (err) {
      this.logger.warn(`memory recall for the turn context failed: ${(err as Error).message}`);
      return [];
    }
  }

  /** The graph nodes matching the user message in the conversation's realm (all realms without one); '' when none or on failure. */
  private async graphContext(orgId: string, content: string, realm: string | null): Promise<string> {
    if (!content.trim()) {
      return '';
    }
    try {
      return graphSection(await this.graph.searchForContext(orgId, content, { realm, limit: CONTEXT_GRAPH_TOP_K }));
    } catch (err) {
      this.logger.warn(`graph context for the turn failed: ${(err as Error).message}`);
      return '';
    }
  }

  /**
   * The rendered attachments of the user messages in the context, by message id: newest message
   * first within ATTACHMENTS_TOTAL_CHARS. An unreadable file is listed as not available.
   */
  private async attachmentTexts(orgId: string, messages: MessageEntity[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let budget = ATTACHMENTS_TOTAL_CHARS;
    for (const m of [...messages].reverse()) {
      if (m.role !== 'user' || !m.attachments?.length) {
        continue;
      }
      const parts: string[] = [];
      for (const id of m.attachments) {
        let a: ArtifactText | null = null;
        try {
          a = await this.artifacts.readText(orgId, id, Math.min(ATTACHMENT_CHARS, budget));
        } catch (err) {
          this.logger.warn(`reading attachment ${id} failed: ${(err as Error).message}`);
        }
        budget -= a?.text?.length ?? 0;
        parts.push(renderAttachment(id, a));
      }
      out.set(m.id, parts.join('\n\n'));
    }
    return out;
  }

  private async skillsSection(scope: ConversationSkillsScope): Promise<string> {
    try {
      return await this.skills.promptSection(scope);
    } catch (err) {
      this.logger.warn(`loading the conversation's skills failed: ${(err as Error).message}`);
      return '';
    }
  }
}

/**
 * The messages as the model sees them (user/assistant text, a user message followed by its rendered
 * attachments; manual tool calls as call + result).
 */
export function toLlmMessages(rows: MessageEntity[], attachments: Map<string, string> = new Map()): LlmMessage[] {
  const out: LlmMessage[] = [];
  for (const m of rows) {
    if (m.role === 'user') {
      const files = attachments.get(m.id);
      out.push({ role: 'user', content: files ? `${m.content}\n\n${files}` : m.content });
    } else if (m.role === 'assistant' && m.content) {
      out.push({ role: 'assistant', content: m.content });
    } else if (m.role === 'tool' && m.toolCallId) {
      const call = m.toolCalls?.[0];
      let parsed: unknown = m.content;
      try {
        parsed = JSON.parse(m.content);
      } catch {
        /* plain text */
      }
      out.push({
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: m.toolCallId, name: EXECUTE_TOOL, args: { tool: call?.tool ?? '', arguments: call?.args ?? {} } },
        ],
      });
      out.push({ role: 'tool', toolCallId: m.toolCallId, toolName: EXECUTE_TOOL, content: parsed });
    } else if (m.role === 'system' && m.content) {
      out.push({ role: 'user', content: `[context] ${m.content}` });
    }
  }
  return out;
}
