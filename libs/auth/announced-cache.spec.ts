import { fakePrincipalChanges } from '../../test/support/fake-principal-changes';
import { AnnouncedCache } from './announced-cache';
import type { PrincipalChange, PrincipalChanges } from './principal-changes';

type Row = { v: number; list: number[] };

/** A cache dropped by `org` announcements, as the caches of the agents and orgs modules are. */
class OrgCache extends AnnouncedCache<Row> {
  constructor(changes: PrincipalChanges, maxEntries?: number) {
    super(changes, 30_000, maxEntries);
  }
  protected tagOf(change: PrincipalChange): string | undefined {
    return change.kind === 'org' ? change.id : change.kind === 'agent' ? `v:${change.id}` : undefined;
  }
  get(key: string, org: string, load: () => Promise<Row>) {
    return this.through(key, org, load, (r) => r.v >= 0);
  }
  put(key: string, org: string, value: Row) {
    return this.remember(key, org, value);
  }
  /** always loads; the entry is tagged with the org and with `v:<value>` */
  refresh(key: string, org: string, load: () => Promise<Row>) {
    return this.fill(key, (r) => [org, `v:${r.v}`], load);
  }
  cached(key: string) {
    return this.peek(key);
  }
}

async function setup(maxEntries?: number) {
  const fake = fakePrincipalChanges();
  const cache = new OrgCache(fake.changes, maxEntries);
  await cache.onModuleInit();
  return { cache, hear: fake.hear, gap: fake.gap };
}

const row = (v: number) => async (): Promise<Row> => ({ v, list: [v] });

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
    const first = await cache.get('k1', 't', row(1));
    expect(Object.isFrozen(first) && Object.isFrozen(first.list)).toBe(true);
    await cache.get('k2', 't', row(2));
    await cache.get('k3', 't', row(3));
    expect((await cache.get('k1', 't', row(10))).v).toBe(10);
    expect((await cache.get('k3', 't', row(30))).v).toBe(3);
  });

  it('does not keep a load that a change overlapped, and forgets everything after a gap in announcements', async () => {
    const { cache, hear, gap } = await setup();
    let finish!: (r: Row) => void;
    const pending = cache.get('k', 'org1', () => new Promise<Row>((r) => (finish = r)));
    hear({ kind: 'org', id: 'org1' });
    finish({ v: 1, list: [] }); // read before the change
    expect((await pending).v).toBe(1);
    expect((await cache.get('k', 'org1', row(2))).v).toBe(2);
    gap();
    expect((await cache.get('k', 'org1', row(3))).v).toBe(3);
  });

  it('keeps an entry at most its TTL (30 s here), and does not cache a failed load', async () => {
    const { cache } = await setup();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      await cache.get('k', 'org1', row(1));
      now.mockReturnValue(1_000_000 + 29_000);
      expect((await cache.get('k', 'org1', row(2))).v).toBe(1);
      now.mockReturnValue(1_000_000 + 31_000);
      expect((await cache.get('k', 'org1', row(3))).v).toBe(3);
    } finally {
      now.mockRestore();
    }
    await expect(cache.get('gone', 'org1', () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect((await cache.get('gone', 'org1', row(4))).v).toBe(4);
  });

  it('does not keep a value its `keep` refuses (a row not found), and keeps what `remember` is given', async () => {
    const { cache, hear } = await setup();
    expect((await cache.get('k', 'org1', row(-1))).v).toBe(-1);
    expect((await cache.get('k', 'org1', row(1))).v).toBe(1);
    const kept = cache.put('new', 'org1', { v: 5, list: [5] });
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.list)).toBe(true);
    const load = jest.fn(row(6));
    expect((await cache.get('new', 'org1', load)).v).toBe(5);
    expect(load).not.toHaveBeenCalled();
    hear({ kind: 'org', id: 'org1' });
    expect((await cache.get('new', 'org1', load)).v).toBe(6);
  });

  it('`fill` loads whatever is cached, and an entry with several tags is dropped by any of them', async () => {
    const { cache, hear } = await setup();
    await cache.refresh('k', 'org1', row(1));
    expect(cache.cached('k')?.v).toBe(1);
    await cache.refresh('k', 'org1', row(2));
    expect(cache.cached('k')?.v).toBe(2);
    hear({ kind: 'agent', id: '2' }); // the computed tag
    expect(cache.cached('k')).toBeUndefined();
    await cache.refresh('k', 'org1', row(3));
    hear({ kind: 'org', id: 'org1' }); // the given one
    expect(cache.cached('k')).toBeUndefined();
  });
});
