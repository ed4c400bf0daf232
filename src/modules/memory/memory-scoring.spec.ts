import { normaliseMemoryText, rankMemories, recallScore } from './memory-scoring';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const NOW = Date.parse('2026-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000);

describe('memory recall scoring', () => {
  it('ranks the most similar entry first', () => {
    const q = unit(1, 0, 0);
    const ranked = rankMemories(
      q,
      [
        { id: 'far', kind: 'fact', updatedAt: daysAgo(1), vector: unit(0, 1, 0) },
        { id: 'near', kind: 'fact', updatedAt: daysAgo(1), vector: unit(0.9, 0.1, 0) },
        { id: 'none', kind: 'fact', updatedAt: daysAgo(1), vector: null },
      ],
      3,
      NOW,
    );
    expect(ranked.map((r) => r.item.id)).toEqual(['near', 'far', 'none']);
    expect(ranked[0].score).toBeGreaterThan(ranked[1].score);
  });

  it('prefers the more recent of two equally similar entries (exp(-age/30))', () => {
    const q = unit(1, 1);
    const fresh = recallScore(q, { kind: 'fact', updatedAt: daysAgo(0), vector: unit(1, 1) }, NOW);
    const old = recallScore(q, { kind: 'fact', updatedAt: daysAgo(60), vector: unit(1, 1) }, NOW);
    expect(fresh - old).toBeCloseTo(0.2 * (1 - Math.exp(-2)), 6);
    const ranked = rankMemories(
      q,
      [
        { id: 'old', kind: 'fact', updatedAt: daysAgo(60), vector: unit(1, 1) },
        { id: 'fresh', kind: 'fact', updatedAt: daysAgo(0), vector: unit(1, 1) },
      ],
      2,
      NOW,
    );
    expect(ranked.map((r) => r.item.id)).toEqual(['fresh', 'old']);
  });

  it('weights kinds: fact > preference > custom, everything else equal', () => {
    const q = unit(1, 0);
    const at = daysAgo(3);
    const v = unit(0.5, 0.5);
    const fact = recallScore(q, { kind: 'fact', updatedAt: at, vector: v }, NOW);
    const pref = recallScore(q, { kind: 'preference', updatedAt: at, vector: v }, NOW);
    const custom = recallScore(q, { kind: 'codename', updatedAt: at, vector: v }, NOW);
    expect(fact).toBeGreaterThan(pref);
    expect(pref).toBeGreaterThan(custom);
    expect(fact - custom).toBeCloseTo(0.1 * 0.5, 6);
  });

  it('similarity outweighs recency and kind for a clearly relevant entry', () => {
    const q = unit(1, 0);
    const relevantOld = recallScore(q, { kind: 'codename', updatedAt: daysAgo(90), vector: unit(1, 0.1) }, NOW);
    const irrelevantNew = recallScore(q, { kind: 'fact', updatedAt: daysAgo(0), vector: unit(0, 1) }, NOW);
    expect(relevantOld).toBeGreaterThan(irrelevantNew);
  });

  it('ignores negative cosines and vectors of another dimension', () => {
    const q = unit(1, 0);
    expect(recallScore(q, { kind: 'fact', updatedAt: daysAgo(0), vector: unit(-1, 0) }, NOW)).toBeCloseTo(0.3, 6);
    expect(recallScore(q, { kind: 'fact', updatedAt: daysAgo(0), vector: unit(1, 0, 0) }, NOW)).toBeCloseTo(0.3, 6);
  });

  it('normalises text for duplicate detection', () => {
    expect(normaliseMemoryText('  We never\n deploy  on FRIDAYS. ')).toBe('we never deploy on fridays.');
  });
});
