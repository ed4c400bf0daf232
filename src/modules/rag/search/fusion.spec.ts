import { reciprocalRankFusion } from './fusion';

describe('reciprocalRankFusion', () => {
  it('ranks an item found by both lists above items found by one', () => {
    const out = reciprocalRankFusion([
      { ids: ['a', 'b', 'c'], weight: 0.5 },
      { ids: ['c', 'd'], weight: 0.5 },
    ]);
    expect(out[0].id).toBe('c');
    expect(out.map((o) => o.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(out[0].score).toBeCloseTo(0.5 / 63 + 0.5 / 61, 10);
  });

  it('follows the weights and normalises them', () => {
    const textFirst = reciprocalRankFusion([
      { ids: ['v'], weight: 1 },
      { ids: ['t'], weight: 3 },
    ]);
    expect(textFirst.map((o) => o.id)).toEqual(['t', 'v']);
    expect(textFirst[0].score).toBeCloseTo(0.75 / 61, 10);
    const zero = reciprocalRankFusion([
      { ids: ['v'], weight: 0 },
      { ids: ['t'], weight: 0 },
    ]);
    expect(zero.map((o) => o.id)).toEqual(['v', 't']);
  });

  it('handles empty lists', () => {
    expect(reciprocalRankFusion([{ ids: [], weight: 1 }])).toEqual([]);
  });
});
