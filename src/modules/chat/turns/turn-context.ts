import type { LlmMessage } from '@libs/llm/llm.port';
import { Injectable } from '@nestjs/common';
import type { ConversationEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ChatSecurity } from 'src/modules/chat/context/chat-security';
import { DEFAULT_SYSTEM_PROMPT, EXECUTE_TOOL } from 'src/modules/chat/tools/meta-tools';
import type { ToolRunContext, TurnEmitter } from 'src/modules/chat/tools/tool-call.types';
import type { StartTurnInput } from './turn-state';

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
  constructor(private readonly repo: ChatRepository) {}

  async build(
    turn: TurnEntity,
    conversation: ConversationEntity,
    agent: ChatAgent,
    security: ChatSecurity,
    input: StartTurnInput,
    emit: TurnEmitter,
    isCancelled: () => Promise<boolean>,
  ): Promise<TurnContext> {
    const messages = await this.transcript(conversation.id);
    const system = agent.systemPrompt ? `${DEFAULT_SYSTEM_PROMPT}\n\n${agent.systemPrompt}` : DEFAULT_SYSTEM_PROMPT;
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
    return { system, messages, tools, isCancelled };
  }

  /** The conversation as the model sees it (user/assistant text; manual tool calls as call + result). */
  async transcript(conversationId: string): Promise<LlmMessage[]> {
    const rows = await this.repo.transcript(conversationId);
    const out: LlmMessage[] = [];
    for (const m of rows) {
      if (m.role === 'user') {
        out.push({ role: 'user', content: m.content });
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
}
