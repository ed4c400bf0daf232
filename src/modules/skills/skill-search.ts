import type { SkillEntity } from './skill.entity';

const tokens = (s: string): string[] =>
  s
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);

/**
 * Ranks approved skills for a query: each query word found in the name counts 3, in the slug or
 * the tags 2, in the description 1 (prefix matches of 4+ letters count half). Skills matching no
 * word are dropped; an empty query lists them by slug. Scores are normalised so the best is 1.
 */
export function rankSkills<T extends Pick<SkillEntity, 'slug' | 'name' | 'description' | 'tags'>>(
  skills: T[],
  query: string,
  topK: number,
): { skill: T; score: number }[] {
  const words = [...new Set(tokens(query))];
  if (!words.length) {
    return [...skills]
      .sort((a, b) => a.slug.localeCompare(b.slug))
      .slice(0, topK)
      .map((skill) => ({ skill, score: 1 }));
  }
  const scored = skills.map((skill) => {
    const fields: [string[], number][] = [
      [tokens(skill.name), 3],
      [tokens(skill.slug), 2],
      [(skill.tags ?? []).flatMap(tokens), 2],
      [tokens(skill.description), 1],
    ];
    let score = 0;
    for (const w of words) {
      for (const [toks, weight] of fields) {
        if (toks.includes(w)) {
          score += weight;
        } else if (w.length >= 4 && toks.some((t) => t.startsWith(w) || w.startsWith(t))) {
          score += weight / 2;
        }
      }
    }
    return { skill, score };
  });
  const hits = scored.filter((h) => h.score > 0);
  const best = Math.max(...hits.map((h) => h.score), 1);
  return hits
    .sort((a, b) => b.score - a.score || a.skill.slug.localeCompare(b.skill.slug))
    .slice(0, topK)
    .map((h) => ({ skill: h.skill, score: Math.round((h.score / best) * 1000) / 1000 }));
}
