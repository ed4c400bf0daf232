import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { ChatModule } from '../chat/chat.module';
import { OrgsModule } from '../orgs/orgs.module';
import { ConversationSkillsController } from './conversation-skills.controller';
import { ConversationSkillsService } from './conversation-skills.service';
import { SkillRegistry } from './skill-registry';
import { SkillsCoreModule } from './skills-core.module';
import { SkillsController } from './skills.controller';
import { SkillsService } from './skills.service';

/**
 * `/skills` and `/chat/conversations/:id/skills`: markdown skills and their approval workflow
 * (docs/skills.md). The store and the contract the chat loop uses are in SkillsCoreModule;
 * conversations are reached through ChatConversationsContract, agents through AgentsContract.
 */
@Module({
  imports: [SkillsCoreModule, ChatModule, AgentsModule, OrgsModule, EventsModule, IdempotencyModule],
  controllers: [SkillsController, ConversationSkillsController],
  providers: [SkillsService, SkillRegistry, ConversationSkillsService],
})
export class SkillsModule {}
