/** Reciprocal rank fusion constant (Cormack et al.; the usual 60). */
export const RRF_K = 60;

export interface RankedList {
  /** ids best first */
  ids: string[];
  weight: number;
}

/**
 * Weighted reciprocal rank fusion: score(d) = Σ w_i / (k + rank_i(d)), ranks from 1. Weights
 * are normalised to sum 1 (all zero → equal). Returns ids by fused score, ties by first
 * appearance (the first list's order first).
 */
export function reciprocalRankFusion(lists: RankedList[], k = RRF_K): { id: string; score: number }[] {
  const total = lists.reduce((s, l) => s + Math.max(0, l.weight), 0);
  const scores = new Map<string, number>();
  const order = new Map<string, number>();
  for (const l of lists) {
    const w = total > 0 ? Math.max(0, l.weight) / total : 1 / lists.length;
    l.ids.forEach((id, i) => {
      if (!order.has(id)) {
        order.set(id, order.size);
      }
      scores.set(id, (scores.get(id) ?? 0) + w / (k + i + 1));
    });
  }
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || order.get(a.id)! - order.get(b.id)!);
}
