import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { ChatRepository } from 'src/modules/chat/chat.repository';
import { ChatAgents } from 'src/modules/chat/context/chat-agent';
import { AgentRunDto, RunAgentDto } from 'src/modules/chat/dto/agent-run.dto';
import { toolActor } from 'src/modules/chat/tools/tool-call.types';
import { StartedTurn, TurnsService } from 'src/modules/chat/turns/turns.service';

/** `POST /agents/:id/run`: the chat loop on a fresh conversation, streamed or polled as a run record. */
@Injectable()
export class AgentRunsService {
  constructor(
    private readonly repo: ChatRepository,
    private readonly agents: ChatAgents,
    private readonly turns: TurnsService,
  ) {}

  async start(p: Principal, agentIdOrName: string, dto: RunAgentDto): Promise<StartedTurn> {
    const agent = await this.agents.agent(p.orgId, agentIdOrName);
    const title = dto.title ?? `Run of ${agent.name}: ${dto.input.slice(0, 80)}`;
    const conversation = await this.repo.createConversation({
      orgId: p.orgId,
      title: title.slice(0, 300),
      realm: dto.realm ?? agent.realm,
      agent: agent.name,
      agentId: agent.id,
      createdBy: p.userId,
    });
    return this.turns.start({
      orgId: p.orgId,
      conversation,
      content: dto.input,
      actor: toolActor(p),
      kind: 'agent_run',
      source: 'agent_run',
    });
  }

  async get(p: Principal, agentIdOrName: string, runId: string): Promise<AgentRunDto> {
    const agent = await this.agents.agent(p.orgId, agentIdOrName);
    const turn = await this.repo.findTurn(p.orgId, runId);
    if (!turn || turn.kind !== 'agent_run' || (turn.agent !== agent.name && (!agent.id || turn.agentId !== agent.id))) {
      throw new NotFoundException('Run');
    }
    const calls = await this.repo.toolCallsOfTurn(turn.id);
    return {
      run_id: turn.id,
      status: turn.status,
      conversation_id: turn.conversationId,
      agent_id: turn.agentId,
      agent: turn.agent ?? agent.name,
      input: turn.input,
      output: turn.output,
      finish_reason: turn.finishReason,
      usage: (turn.usage as AgentRunDto['usage']) ?? null,
      error: turn.error,
      tool_calls: calls.map((c) => ({
        tool_call_id: c.id,
        name: c.name,
        connector: c.connector,
        tool: c.tool,
        args: c.args,
        status: c.status,
      })),
      created_at: turn.createdAt.toISOString(),
      finished_at: turn.finishedAt ? turn.finishedAt.toISOString() : null,
    };
  }
}
