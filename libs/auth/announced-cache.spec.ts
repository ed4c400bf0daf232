import { AnnouncedCache } from './announced-cache';
import type { PrincipalChange, PrincipalChanges } from './principal-changes';

describe('AnnouncedCache', () => {
  it('drops the entries of the tag an announcement names, and everything after a gap', async () => {
    let hear: (c: PrincipalChange) => void = () => undefined;
    let gap: () => void = () => undefined;
    const changes = {
      listen: async (l: (c: PrincipalChange) => void, onGap: () => void) => {
        hear = l;
        gap = onGap;
        return async () => undefined;
      },
    } as unknown as PrincipalChanges;
    const cache = new AnnouncedCache<{ v: number }>(30_000);
    await cache.listen(changes, (c) => (c.kind === 'org' ? c.id : undefined));
    let n = 0;
    const load = async () => ({ v: ++n });
    await cache.get('a1', 'orgA', load);
    await cache.get('b1', 'orgB', load);
    hear({ kind: 'user', id: 'orgA' }); // not mapped to a tag: nothing dropped
    expect((await cache.get('a1', 'orgA', load)).v).toBe(1);
    hear({ kind: 'org', id: 'orgA' });
    expect((await cache.get('a1', 'orgA', load)).v).toBe(3);
    expect((await cache.get('b1', 'orgB', load)).v).toBe(2);
    gap();
    expect((await cache.get('b1', 'orgB', load)).v).toBe(4);
  });

  it('keeps at most maxEntries, evicting the oldest, and freezes what it keeps', async () => {
    const cache = new AnnouncedCache<{ v: number; list: number[] }>(30_000, 2);
    const load = (v: number) => async () => ({ v, list: [v] });
    const first = await cache.get('k1', 't', load(1));
    expect(Object.isFrozen(first) && Object.isFrozen(first.list)).toBe(true);
    await cache.get('k2', 't', load(2));
    await cache.get('k3', 't', load(3));
    expect((await cache.get('k1', 't', load(10))).v).toBe(10);
    expect((await cache.get('k3', 't', load(30))).v).toBe(3);
  });
});
