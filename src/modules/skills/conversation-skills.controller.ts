import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Post } from '@libs/http';
import { Body, Controller, Get, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConversationSkillsService } from './conversation-skills.service';
import { ConversationSkillsDto, EnableSkillDto } from './dto/skill.dto';

/** The skills of one conversation (creator or admin, like the conversation itself). */
@ApiTags('skills')
@Controller('chat/conversations/:id/skills')
export class ConversationSkillsController {
  constructor(private readonly skills: ConversationSkillsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'chat_conversation_skills_list', summary: 'Enabled skills and budget usage' })
  @ApiOkResponse({ type: ConversationSkillsDto })
  list(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<ConversationSkillsDto> {
    return this.skills.list(p, id);
  }

  @Post()
  @HttpCode(200)
  @Authenticated()
  @AuditAction('skills.conversation.enable', 'chat', 'conversation')
  @ApiOperation({
    operationId: 'chat_conversation_skills_enable',
    summary: 'Enable an approved skill (404 skill_not_found, 409 skill_budget_exceeded)',
  })
  @ApiOkResponse({ type: ConversationSkillsDto })
  enable(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: EnableSkillDto,
  ): Promise<ConversationSkillsDto> {
    return this.skills.enable(p, id, dto.slug);
  }

  @Delete(':slug')
  @HttpCode(204)
  @Authenticated()
  @AuditAction('skills.conversation.disable', 'chat', 'conversation')
  @ApiOperation({ operationId: 'chat_conversation_skills_disable', summary: 'Disable a skill (agent skills too)' })
  @ApiNoContentResponse({ description: 'Disabled' })
  async disable(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Param('slug') slug: string): Promise<void> {
    await this.skills.disable(p, id, slug);
  }
}
