import { AuditService } from '@libs/audit';
import { AppException } from '@libs/errors';
import type { LlmToolCall } from '@libs/llm/llm.port';
import { Injectable } from '@nestjs/common';
import { SkillsContract, type ConversationSkillsScope } from 'src/modules/skills/skills.contract';
import { DISABLE_SKILL, ENABLE_SKILL, LIST_ENABLED_SKILLS, SEARCH_SKILLS } from './meta-tools';
import type { ToolOutcome, ToolRunContext } from './tool-call.types';

const SKILL_TOOLS = new Set([SEARCH_SKILLS, ENABLE_SKILL, LIST_ENABLED_SKILLS, DISABLE_SKILL]);

/**
 * The skill meta-tools (skills.md §5) over `SkillsContract`: enabling or disabling changes the
 * system prompt of the running turn from its next model call (`ctx.refreshSkills`). Errors are
 * tool errors (`skill_not_found`, `skill_budget_exceeded`, `skill_not_enabled`), never turn errors.
 */
@Injectable()
export class SkillMetaTools {
  constructor(
    private readonly skills: SkillsContract,
    private readonly audit: AuditService,
  ) {}

  handles(name: string): boolean {
    return SKILL_TOOLS.has(name);
  }

  async answer(ctx: ToolRunContext, call: LlmToolCall): Promise<ToolOutcome> {
    const scope: ConversationSkillsScope = {
      orgId: ctx.orgId,
      conversationId: ctx.conversationId,
      agentSkills: ctx.agent.skills ?? [],
      userId: ctx.actor.userId,
    };
    const slug = String(call.args?.slug ?? '').trim();
    try {
      switch (call.name) {
        case SEARCH_SKILLS: {
          const hits = await this.skills.search(
            ctx.orgId,
            String(call.args?.query ?? ''),
            Number(call.args?.top_k ?? 5),
          );
          return { status: 'completed', result: { skills: hits } };
        }
        case LIST_ENABLED_SKILLS: {
          const v = await this.skills.enabled(scope);
          return {
            status: 'completed',
            result: { enabled: v.skills.map((s) => s.slug), skills: v.skills, budget: v.budget },
          };
        }
        default: {
          const enable = call.name === ENABLE_SKILL;
          const v = enable ? await this.skills.enable(scope, slug) : await this.skills.disable(scope, slug);
          await ctx.refreshSkills?.();
          await this.audit.record({
            orgId: ctx.orgId,
            category: 'chat',
            action: enable ? 'skills.conversation.enable' : 'skills.conversation.disable',
            result: 'success',
            actor: ctx.actor.userId ? { userId: ctx.actor.userId, email: ctx.actor.email ?? '' } : null,
            target: { type: 'conversation', id: ctx.conversationId, slug },
            details: { entry: 'meta_tool', budget: v.budget },
          });
          return { status: 'completed', result: { enabled: v.skills.map((s) => s.slug), budget: v.budget } };
        }
      }
    } catch (err) {
      if (err instanceof AppException) {
        return { status: 'failed', error: { code: err.code, message: err.message, details: err.details } };
      }
      throw err;
    }
  }
}
