import { Injectable } from '@nestjs/common';
import { REGISTRY_SKILLS } from './registry/catalog';
import { parseSkillMarkdown, validateSkill } from './skill-markdown';
import { rankSkills } from './skill-search';

export type RegistrySkill = ReturnType<typeof validateSkill>;

/** The registry of installable skills shipped with this build (registry/catalog.ts). */
@Injectable()
export class SkillRegistry {
  private readonly skills: RegistrySkill[] = REGISTRY_SKILLS.map((md) => validateSkill(parseSkillMarkdown(md)));

  /** Every entry (by slug), or the ones matching `q`, best first. */
  search(q?: string): RegistrySkill[] {
    return rankSkills(this.skills, q ?? '', this.skills.length).map((h) => h.skill);
  }

  find(slug: string): RegistrySkill | undefined {
    return this.skills.find((s) => s.slug === slug);
  }
}
