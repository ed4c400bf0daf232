import type { Principal } from '@libs/auth/principal';
import { Injectable } from '@nestjs/common';
import { AgentsContract } from 'src/modules/agents/agents.contract';
import { ChatConversationsContract } from 'src/modules/chat/chat-conversations.contract';
import type { ConversationSkillsDto } from './dto/skill.dto';
import { SkillsContract, type ConversationSkillsScope } from './skills.contract';

/** `/chat/conversations/:id/skills`: the same enablement as the skill meta-tools, for a reader of the conversation. */
@Injectable()
export class ConversationSkillsService {
  constructor(
    private readonly conversations: ChatConversationsContract,
    private readonly agents: AgentsContract,
    private readonly skills: SkillsContract,
  ) {}

  async list(p: Principal, conversationId: string): Promise<ConversationSkillsDto> {
    return this.skills.enabled(await this.scope(p, conversationId));
  }

  async enable(p: Principal, conversationId: string, slug: string): Promise<ConversationSkillsDto> {
    return this.skills.enable(await this.scope(p, conversationId), slug);
  }

  async disable(p: Principal, conversationId: string, slug: string): Promise<void> {
    await this.skills.disable(await this.scope(p, conversationId), slug);
  }

  private async scope(p: Principal, conversationId: string): Promise<ConversationSkillsScope> {
    const c = await this.conversations.readable(p, conversationId);
    const agent = await this.agents.resolve(p.orgId, c.agentId ?? c.agent).catch(() => null);
    return { orgId: p.orgId, conversationId: c.id, agentSkills: agent?.skills ?? [], userId: p.userId };
  }
}
