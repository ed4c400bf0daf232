/** An approved skill as `search_skills` shows it. */
export interface SkillSearchHit {
  slug: string;
  name: string;
  description: string;
  version: string;
  tags: string[];
  char_count: number;
  score: number;
}

export interface EnabledSkillView {
  slug: string;
  name: string;
  version: string;
  char_count: number;
  /** `agent`: one of the agent's `skills` (on unless switched off); `conversation`: enabled in it */
  source: 'agent' | 'conversation';
  /** false when it does not fit in the budget (it is then left out of the prompt) */
  in_prompt: boolean;
}

export interface ConversationSkillsView {
  skills: EnabledSkillView[];
  budget: { limit: number; used: number };
}

/** Which conversation, and who acts (null for turns without a user). */
export interface ConversationSkillsScope {
  orgId: string;
  conversationId: string;
  /** the conversation's agent `skills` (auto-enabled) */
  agentSkills: readonly string[];
  userId: string | null;
}

/**
 * What the skills module offers the chat loop and the conversation-skills routes: approved skills
 * only, the per-conversation enablement within the character budget, and the prompt section.
 * Errors are AppExceptions: 404 `skill_not_found` (no approved version), 409 `skill_budget_exceeded`,
 * 404 `skill_not_enabled`.
 */
export abstract class SkillsContract {
  abstract search(orgId: string, query: string, topK: number): Promise<SkillSearchHit[]>;
  abstract enabled(scope: ConversationSkillsScope): Promise<ConversationSkillsView>;
  abstract enable(scope: ConversationSkillsScope, slug: string): Promise<ConversationSkillsView>;
  abstract disable(scope: ConversationSkillsScope, slug: string): Promise<ConversationSkillsView>;
  /** The `### Skill: <name> (v<version>)` sections of the skills in the prompt, in enable order ('' when none). */
  abstract promptSection(scope: ConversationSkillsScope): Promise<string>;
}
