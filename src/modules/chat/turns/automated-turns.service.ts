import { Injectable } from '@nestjs/common';
import { ChatRuntime } from 'src/modules/chat/chat-runtime.service';
import {
  ChatTurnsContract,
  type AutomatedTurn,
  type AutomatedTurnInput,
  type TurnTranscript,
} from 'src/modules/chat/chat-turns.contract';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import type { ToolActor } from 'src/modules/chat/tools/tool-call.types';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { TurnsService } from './turns.service';

/**
 * Turns without a user request (task runs): a fresh conversation, the actor resolved from the
 * user it acts for (their role now, not when the task was written; a disabled or deleted user acts
 * as nobody, role null, like an inbound webhook), then the one turn loop (TurnsService.start).
 */
@Injectable()
export class AutomatedTurnsService extends ChatTurnsContract {
  constructor(
    private readonly repo: ChatRepository,
    private readonly agents: ChatAgents,
    private readonly turns: TurnsService,
    private readonly runtime: ChatRuntime,
    private readonly users: UsersRepository,
  ) {
    super();
  }

  async start(input: AutomatedTurnInput): Promise<AutomatedTurn> {
    const preflight = this.turns.preflight(input.orgId);
    const agent = await this.agents.agent(input.orgId, input.agent);
    const actor = await this.actor(input.orgId, input.actorUserId);
    const key = input.externalKey ?? null;
    const create = () =>
      this.repo.createConversation({
        orgId: input.orgId,
        title: input.title.slice(0, 300),
        realm: input.realm ?? agent.realm,
        agent: agent.name,
        agentId: agent.id,
        createdBy: actor.userId,
        externalKey: key,
      });
    const conversation = key
      ? ((await this.repo.findConversationByExternalKey(input.orgId, key)) ??
        (await create().catch(async (err) => {
          if ((err as { code?: string }).code === '23505') {
            return (await this.repo.findConversationByExternalKey(input.orgId, key))!;
          }
          throw err;
        })))
      : await create();
    const started = await this.turns.start(
      {
        orgId: input.orgId,
        conversation,
        content: input.content,
        actor,
        kind: key ? 'incoming' : 'task',
        source: key ? 'incoming' : 'task',
        observe: input.observe,
        maxIterations: input.maxIterations,
        approvalDefaults: input.approvalDefaults,
      },
      preflight,
    );
    return {
      conversationId: conversation.id,
      turnId: started.turn.id,
      done: started.done.then(async (o) => {
        const row = await this.repo.findTurnById(o.turnId).catch(() => null);
        return {
          status: o.status,
          finishReason: o.finishReason,
          content: o.content,
          usage: o.usage,
          error: row?.error ?? null,
        };
      }),
    };
  }

  private async actor(orgId: string, userId: string | null): Promise<ToolActor> {
    const user = userId ? await this.users.findInOrg(orgId, userId) : null;
    if (!user || user.disabledAt) {
      return { userId: null, email: null, role: null };
    }
    return { userId: user.id, email: user.email, role: user.role };
  }

  cancel(turnId: string): Promise<void> {
    return this.runtime.requestCancel(turnId);
  }

  async transcript(orgId: string, conversationId: string): Promise<TurnTranscript | null> {
    const conversation = await this.repo.findConversation(orgId, conversationId);
    if (!conversation) {
      return null;
    }
    const [messages, turn] = await Promise.all([
      this.repo.transcript(conversationId),
      this.repo.latestTurn(conversationId),
    ]);
    const calls = turn ? await this.repo.toolCallsOfTurn(turn.id) : [];
    return {
      messages: messages.map((m) => ({
        id: m.id,
        role: m.role,
        content: m.content,
        tool_calls: m.toolCalls ?? [],
        tool_call_id: m.toolCallId,
        finish_reason: m.finishReason,
        created_at: m.createdAt.toISOString(),
      })),
      tool_calls: calls.map((c) => ({
        id: c.id,
        name: c.name,
        tool: c.tool,
        connector: c.connector,
        args: c.args,
        status: c.status,
        approval_id: c.approvalId,
        error: c.error ? { code: c.error.code, message: c.error.message } : null,
        created_at: c.createdAt.toISOString(),
      })),
    };
  }
}
