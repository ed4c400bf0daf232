import { ConversationSkills } from './conversation-skills';
import type { ConversationSkillEntity, SkillEntity } from './skill.entity';

/** An in-memory SkillsRepository with just what ConversationSkills uses. */
function fakeRepo(approved: Record<string, number>) {
  const switches: ConversationSkillEntity[] = [];
  let clock = 0;
  const skill = (slug: string): SkillEntity =>
    ({
      slug,
      name: `S ${slug}`,
      version: '1.0.0',
      body: `body of ${slug}`,
      charCount: approved[slug],
      tags: [],
    }) as never;
  const repo = {
    approvedBySlug: (_org: string, slug: string) => Promise.resolve(slug in approved ? skill(slug) : null),
    approvedBySlugs: (_org: string, slugs: string[]) =>
      Promise.resolve(new Map(slugs.filter((s) => s in approved).map((s) => [s, skill(s)]))),
    conversationSwitches: () =>
      Promise.resolve([...switches].sort((a, b) => a.enabledAt.getTime() - b.enabledAt.getTime())),
    setSwitch: (_org: string, _conv: string, slug: string, enabled: boolean) => {
      const existing = switches.find((s) => s.slug === slug);
      const row = existing ?? ({ slug } as ConversationSkillEntity);
      Object.assign(row, { enabled, enabledAt: new Date(++clock) });
      if (!existing) {
        switches.push(row);
      }
      return Promise.resolve();
    },
    removeSwitch: (_org: string, _conv: string, slug: string) => {
      switches.splice(
        switches.findIndex((s) => s.slug === slug),
        1,
      );
      return Promise.resolve();
    },
  };
  return repo;
}

const code = async (p: Promise<unknown>) => p.then(() => 'ok').catch((e: { code: string }) => e.code);

describe('ConversationSkills', () => {
  const setup = (approved: Record<string, number>, agentSkills: string[] = [], budget = 1000) => {
    const svc = new ConversationSkills(fakeRepo(approved) as never, { skillsCharBudget: budget } as never);
    const scope = { orgId: 'o', conversationId: 'c', agentSkills, userId: 'u' };
    return { svc, scope };
  };

  it('enables approved skills within the budget, in enable order; drafts and overflow are refused', async () => {
    const { svc, scope } = setup({ a: 600, b: 500, c: 300 });
    await svc.enable(scope, 'a');
    expect(await code(svc.enable(scope, 'b'))).toBe('skill_budget_exceeded');
    expect(await code(svc.enable(scope, 'draft'))).toBe('skill_not_found');
    const v = await svc.enable(scope, 'c');
    expect(v.skills.map((s) => s.slug)).toEqual(['a', 'c']);
    expect(v.budget).toEqual({ limit: 1000, used: 900 });
    expect(await svc.promptSection(scope)).toBe(
      '### Skill: S a (v1.0.0)\n\nbody of a\n\n### Skill: S c (v1.0.0)\n\nbody of c',
    );
    await svc.disable(scope, 'a');
    expect(await code(svc.disable(scope, 'a'))).toBe('skill_not_enabled');
    expect((await svc.enable(scope, 'b')).skills.map((s) => s.slug)).toEqual(['c', 'b']);
  });

  it("puts the agent's skills first, leaves out what does not fit, and lets a conversation switch one off", async () => {
    const { svc, scope } = setup({ a: 600, b: 500, c: 300 }, ['a', 'b', 'gone']);
    let v = await svc.enabled(scope);
    expect(v.skills.map((s) => [s.slug, s.source, s.in_prompt])).toEqual([
      ['a', 'agent', true],
      ['b', 'agent', false],
    ]);
    expect(v.budget.used).toBe(600);
    expect(await svc.promptSection(scope)).not.toContain('body of b');
    await svc.disable(scope, 'a');
    v = await svc.enabled(scope);
    expect(v.skills.map((s) => [s.slug, s.in_prompt])).toEqual([['b', true]]);
    expect(await code(svc.enable(scope, 'a'))).toBe('skill_budget_exceeded');
    await svc.enable(scope, 'c');
    expect((await svc.enabled(scope)).budget.used).toBe(800);
  });

  it('searches approved skills only', async () => {
    const repo = fakeRepo({});
    const listApproved = () =>
      Promise.resolve([
        {
          slug: 'postgres.triage',
          name: 'Postgres Triage',
          description: 'slow database',
          tags: ['db'],
          version: '1.0.0',
          charCount: 10,
        },
        {
          slug: 'k8s.crash',
          name: 'Crash loops',
          description: 'pods restarting',
          tags: [],
          version: '2.0.0',
          charCount: 20,
        },
      ]);
    const svc = new ConversationSkills({ ...repo, listApproved } as never, { skillsCharBudget: 1 } as never);
    const hits = await svc.search('o', 'database triage', 5);
    expect(hits.map((h) => h.slug)).toEqual(['postgres.triage']);
    expect(hits[0]).toMatchObject({ version: '1.0.0', char_count: 10, score: 1 });
    expect((await svc.search('o', '', 1)).map((h) => h.slug)).toEqual(['k8s.crash']);
  });
});
