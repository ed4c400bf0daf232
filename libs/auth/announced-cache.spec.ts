import { AnnouncedCache } from './announced-cache';
import type { PrincipalChange, PrincipalChanges } from './principal-changes';

/** A cache dropped by `org` announcements, as the caches of the agents and orgs modules are. */
class OrgCache extends AnnouncedCache<{ v: number; list: number[] }> {
  constructor(changes: PrincipalChanges, maxEntries?: number) {
    super(changes, 30_000, maxEntries);
  }
  protected tagOf(change: PrincipalChange): string | undefined {
    return change.kind === 'org' ? change.id : undefined;
  }
  get(key: string, org: string, load: () => Promise<{ v: number; list: number[] }>) {
    return this.through(key, org, load);
  }
}

async function setup(maxEntries?: number) {
  let hear: (c: PrincipalChange) => void = () => undefined;
  let gap: () => void = () => undefined;
  const changes = {
    listen: async (l: (c: PrincipalChange) => void, onGap: () => void) => {
      hear = l;
      gap = onGap;
      return async () => undefined;
    },
  } as unknown as PrincipalChanges;
  const cache = new OrgCache(changes, maxEntries);
  await cache.onModuleInit();
  return { cache, hear: (c: PrincipalChange) => hear(c), gap: () => gap() };
}

describe('AnnouncedCache', () => {
  it('drops the entries of the tag an announcement names, and everything after a gap', async () => {
    const { cache, hear, gap } = await setup();
    let n = 0;
    const load = async () => ({ v: ++n, list: [] });
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
    const { cache } = await setup(2);
    const load = (v: number) => async () => ({ v, list: [v] });
    const first = await cache.get('k1', 't', load(1));
    expect(Object.isFrozen(first) && Object.isFrozen(first.list)).toBe(true);
    await cache.get('k2', 't', load(2));
    await cache.get('k3', 't', load(3));
    expect((await cache.get('k1', 't', load(10))).v).toBe(10);
    expect((await cache.get('k3', 't', load(30))).v).toBe(3);
  });
});
