import type { DataSource } from 'typeorm';
import { entryHash, GENESIS_HASH, NO_ORG_KEY, type ChainedFields } from './audit-chain';
import { AuditService } from './audit.service';

const ORG_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const ORG_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

type Row = ChainedFields & { prev_hash: string; hash: string };

/** A DataSource whose counter rows live in a map; captures the inserted rows. */
function fakeDs(counters: Map<string, { seq: number; last_hash: string | null }>) {
  const inserted: Row[] = [];
  const em = {
    query: (sql: string, params: unknown[]) => {
      if (sql.includes('INSERT INTO audit_seq')) {
        const [keys, ns] = params as [string[], number[]];
        return Promise.resolve(
          keys.map((k, i) => {
            const c = counters.get(k) ?? { seq: 0, last_hash: null };
            const out = { org_key: k, last_seq: String(c.seq + ns[i]), last_hash: c.last_hash };
            counters.set(k, { ...c, seq: c.seq + ns[i] });
            return out;
          }),
        );
      }
      inserted.push(...(JSON.parse(params[0] as string) as Row[]));
      for (const h of JSON.parse(params[1] as string) as { k: string; h: string }[]) {
        counters.get(h.k)!.last_hash = h.h;
      }
      return Promise.resolve([]);
    },
  };
  const ds = { transaction: (fn: (m: typeof em) => Promise<unknown>) => fn(em) } as unknown as DataSource;
  return { ds, inserted };
}

describe('AuditService chain', () => {
  it('numbers each org from its counter and chains every entry to the previous one of its org', async () => {
    const counters = new Map([[ORG_A, { seq: 41, last_hash: 'c'.repeat(64) }]]);
    const { ds, inserted } = fakeDs(counters);
    const audit = new AuditService(ds);
    await Promise.all([
      ...[1, 2, 3].map((i) =>
        audit.record({ orgId: ORG_A, category: 'policy', action: `a${i}`, result: 'success', details: { i } }),
      ),
      ...[1, 2].map((i) =>
        audit.record({ orgId: ORG_B.toUpperCase(), category: 'auth', action: `b${i}`, result: 'denied' }),
      ),
      audit.record({ orgId: null, category: 'system', action: 'boot', result: 'success' }),
    ]);
    const of = (org: string | null) => inserted.filter((r) => r.org_id === org).sort((x, y) => x.seq - y.seq);
    expect(of(ORG_A).map((r) => r.seq)).toEqual([42, 43, 44]);
    expect(of(ORG_B).map((r) => r.seq)).toEqual([1, 2]);
    expect(of(null).map((r) => r.seq)).toEqual([1]);
    for (const [org, start] of [
      [ORG_A, 'c'.repeat(64)],
      [ORG_B, GENESIS_HASH],
      [null, GENESIS_HASH],
    ] as const) {
      let prev: string = start;
      for (const r of of(org)) {
        const { prev_hash, hash, ...fields } = r;
        expect(prev_hash).toBe(prev);
        expect(hash).toBe(entryHash(prev, fields));
        prev = hash;
      }
      expect(counters.get(org ?? NO_ORG_KEY)!.last_hash).toBe(prev);
    }
  });

  it('never rejects, even for an entry that cannot be serialised', async () => {
    const { ds, inserted } = fakeDs(new Map());
    const audit = new AuditService(ds);
    await expect(
      audit.record({ orgId: ORG_A, category: 'api', action: 'x', result: 'success', details: { n: BigInt(1) } }),
    ).resolves.toEqual(expect.any(String));
    expect(inserted).toEqual([]);
  });
});
