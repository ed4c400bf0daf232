import { dot } from '@libs/embeddings';

/** Weights of a recall score (docs/memory.md, "Recall"). */
export const RECALL_WEIGHTS = { similarity: 0.7, recency: 0.2, kind: 0.1 } as const;
/** Recency halves roughly every 21 days: exp(−age_days / 30). */
export const RECENCY_TAU_DAYS = 30;
/** How much each kind counts (0..1); a custom kind counts 0.5. */
export const KIND_WEIGHTS: Readonly<Record<string, number>> = {
  fact: 1,
  incident: 0.9,
  preference: 0.8,
  contact: 0.7,
  relationship: 0.7,
};
export const CUSTOM_KIND_WEIGHT = 0.5;

export interface ScoringCandidate {
  kind: string;
  updatedAt: Date;
  /** unit vector, or null when the entry has none (similarity then counts 0) */
  vector: ArrayLike<number> | null;
}

/**
 * score = 0.7·max(0, cosine(query, entry)) + 0.2·exp(−age_days/30) + 0.1·kind_weight.
 * Vectors are unit length, so the cosine is their dot product.
 */
export function recallScore(query: ArrayLike<number>, c: ScoringCandidate, now: number): number {
  const cosine = c.vector && c.vector.length === query.length ? Math.max(0, dot(query, c.vector)) : 0;
  const ageDays = Math.max(0, now - c.updatedAt.getTime()) / 86_400_000;
  const recency = Math.exp(-ageDays / RECENCY_TAU_DAYS);
  const kind = KIND_WEIGHTS[c.kind] ?? CUSTOM_KIND_WEIGHT;
  return RECALL_WEIGHTS.similarity * cosine + RECALL_WEIGHTS.recency * recency + RECALL_WEIGHTS.kind * kind;
}

/** The `topK` best candidates, best first (ties: the more recent first). */
export function rankMemories<T extends ScoringCandidate>(
  query: ArrayLike<number>,
  candidates: T[],
  topK: number,
  now = Date.now(),
): { item: T; score: number }[] {
  return candidates
    .map((item) => ({ item, score: recallScore(query, item, now) }))
    .sort((a, b) => b.score - a.score || b.item.updatedAt.getTime() - a.item.updatedAt.getTime())
    .slice(0, topK)
    .map((r) => ({ item: r.item, score: Math.round(r.score * 10_000) / 10_000 }));
}

/** Lower-cased, whitespace collapsed: two texts equal after this are duplicates. */
export function normaliseMemoryText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}
