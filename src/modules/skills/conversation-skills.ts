import { AppConfig } from '@libs/config';
import { ConflictException, NotFoundException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { rankSkills } from './skill-search';
import type { SkillEntity } from './skill.entity';
import {
  SkillsContract,
  type ConversationSkillsScope,
  type ConversationSkillsView,
  type SkillSearchHit,
} from './skills.contract';
import { SkillsRepository } from './skills.repository';

interface PromptEntry {
  skill: SkillEntity;
  source: 'agent' | 'conversation';
  inPrompt: boolean;
}

/** Wraps one skill as it is appended to the system prompt (skills.md §5). */
export function skillPromptBlock(s: Pick<SkillEntity, 'name' | 'version' | 'body'>): string {
  return `### Skill: ${s.name} (v${s.version})\n\n${s.body}`;
}

/**
 * The skills of one conversation: the agent's `skills` first (in the agent's order, unless
 * switched off in the conversation), then the ones enabled in it, in enable order. Only the
 * approved version of each slug counts; bodies are added while the sum of their `char_count`
 * stays within SKILLS_CHAR_BUDGET, the rest is listed with `in_prompt: false`.
 */
@Injectable()
export class ConversationSkills extends SkillsContract {
  constructor(
    private readonly repo: SkillsRepository,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async search(orgId: string, query: string, topK: number): Promise<SkillSearchHit[]> {
    const k = Number.isInteger(topK) && topK > 0 ? Math.min(topK, 20) : 5;
    return rankSkills(await this.repo.listApproved(orgId), query, k).map(({ skill, score }) => ({
      slug: skill.slug,
      name: skill.name,
      description: skill.description,
      version: skill.version,
      tags: skill.tags ?? [],
      char_count: skill.charCount,
      score,
    }));
  }

  async enabled(scope: ConversationSkillsScope): Promise<ConversationSkillsView> {
    return this.view(await this.entries(scope));
  }

  async enable(scope: ConversationSkillsScope, slug: string): Promise<ConversationSkillsView> {
    const skill = await this.repo.approvedBySlug(scope.orgId, slug);
    if (!skill) {
      throw new NotFoundException('Skill', { slug }, 'skill_not_found');
    }
    const entries = await this.entries(scope);
    if (entries.some((e) => e.skill.slug === slug && e.inPrompt)) {
      return this.view(entries);
    }
    const used = usedBy(entries);
    const limit = this.config.skillsCharBudget;
    if (used + skill.charCount > limit) {
      throw new ConflictException(
        `Enabling ${slug} (${skill.charCount} characters) would exceed the conversation's skill budget (${used} of ${limit} used)`,
        { slug, char_count: skill.charCount, budget: { limit, used } },
        'skill_budget_exceeded',
      );
    }
    await this.repo.setSwitch(scope.orgId, scope.conversationId, slug, true, scope.userId);
    return this.enabled(scope);
  }

  async disable(scope: ConversationSkillsScope, slug: string): Promise<ConversationSkillsView> {
    const switches = await this.repo.conversationSwitches(scope.orgId, scope.conversationId);
    const fromAgent = scope.agentSkills.includes(slug);
    const sw = switches.find((s) => s.slug === slug);
    const on = fromAgent ? sw?.enabled !== false : sw?.enabled === true;
    if (!on) {
      throw new NotFoundException('Enabled skill', { slug }, 'skill_not_enabled');
    }
    if (fromAgent) {
      await this.repo.setSwitch(scope.orgId, scope.conversationId, slug, false, scope.userId);
    } else {
      await this.repo.removeSwitch(scope.orgId, scope.conversationId, slug);
    }
    return this.enabled(scope);
  }

  async promptSection(scope: ConversationSkillsScope): Promise<string> {
    const entries = await this.entries(scope);
    return entries
      .filter((e) => e.inPrompt)
      .map((e) => skillPromptBlock(e.skill))
      .join('\n\n');
  }

  private async entries(scope: ConversationSkillsScope): Promise<PromptEntry[]> {
    const switches = await this.repo.conversationSwitches(scope.orgId, scope.conversationId);
    const off = new Set(switches.filter((s) => !s.enabled).map((s) => s.slug));
    const order: { slug: string; source: 'agent' | 'conversation' }[] = [];
    const seen = new Set<string>();
    for (const slug of scope.agentSkills) {
      if (!off.has(slug) && !seen.has(slug)) {
        seen.add(slug);
        order.push({ slug, source: 'agent' });
      }
    }
    for (const s of switches) {
      if (s.enabled && !seen.has(s.slug)) {
        seen.add(s.slug);
        order.push({ slug: s.slug, source: 'conversation' });
      }
    }
    const approved = await this.repo.approvedBySlugs(
      scope.orgId,
      order.map((o) => o.slug),
    );
    const limit = this.config.skillsCharBudget;
    let used = 0;
    const out: PromptEntry[] = [];
    for (const o of order) {
      const skill = approved.get(o.slug);
      if (!skill) {
        continue;
      }
      const inPrompt = used + skill.charCount <= limit;
      if (inPrompt) {
        used += skill.charCount;
      }
      out.push({ skill, source: o.source, inPrompt });
    }
    return out;
  }

  private view(entries: PromptEntry[]): ConversationSkillsView {
    return {
      skills: entries.map((e) => ({
        slug: e.skill.slug,
        name: e.skill.name,
        version: e.skill.version,
        char_count: e.skill.charCount,
        source: e.source,
        in_prompt: e.inPrompt,
      })),
      budget: { limit: this.config.skillsCharBudget, used: usedBy(entries) },
    };
  }
}

const usedBy = (entries: PromptEntry[]) => entries.reduce((n, e) => n + (e.inPrompt ? e.skill.charCount : 0), 0);
