import { entryHash, GENESIS_HASH, type AuditEntryEntity } from '@libs/audit';
import { chainedFieldsOf, ChainWalk } from './audit-chain.verifier';

function chain(n: number, from = { seq: 0, hash: GENESIS_HASH }): AuditEntryEntity[] {
  const out: AuditEntryEntity[] = [];
  let prev = from.hash;
  for (let i = 1; i <= n; i++) {
    const e = {
      id: `00000000-0000-4000-8000-00000000000${i}`,
      orgId: '11111111-1111-4111-8111-111111111111',
      seq: String(from.seq + i),
      ts: new Date(1_700_000_000_000 + i),
      category: 'policy',
      action: 'chat.tool.execute',
      result: 'success',
      actorUserId: null,
      actorApiKeyId: null,
      actorEmail: null,
      target: { tool: 't', type: 'tool' },
      ip: null,
      requestId: null,
      details: { i },
      prevHash: prev,
      hash: null,
      createdAt: new Date(),
    } as AuditEntryEntity;
    e.hash = entryHash(prev, chainedFieldsOf(e));
    prev = e.hash;
    out.push(e);
  }
  return out;
}

const walkAll = (walk: ChainWalk, entries: AuditEntryEntity[]) => {
  for (const e of entries) {
    const r = walk.step(e);
    if (r) {
      return { seq: Number(e.seq), reason: r };
    }
  }
  return null;
};

describe('ChainWalk', () => {
  it('accepts an intact chain from genesis', () => {
    const walk = new ChainWalk(null);
    expect(walkAll(walk, chain(5))).toBeNull();
    expect(walk.checked).toBe(5);
    expect(walk.lastSeq).toBe(5);
  });

  it('reports an edited field as hash_mismatch, a missing row as seq_gap, a relinked row as prev_mismatch', () => {
    const edited = chain(4);
    edited[2].details = { i: 99 };
    expect(walkAll(new ChainWalk(null), edited)).toEqual({ seq: 3, reason: 'hash_mismatch' });

    const gap = chain(4);
    gap.splice(1, 1);
    expect(walkAll(new ChainWalk(null), gap)).toEqual({ seq: 3, reason: 'seq_gap' });

    const relinked = chain(4);
    relinked.splice(1, 1);
    relinked[1].seq = '2';
    relinked[2].seq = '3';
    expect(walkAll(new ChainWalk(null), relinked)).toEqual({ seq: 2, reason: 'prev_mismatch' });
  });

  it('starts from a checkpoint: the first entry must follow its seq and chain from its hash', () => {
    const cp = { seq: 10, hash: 'a'.repeat(64) };
    expect(walkAll(new ChainWalk(cp), chain(3, cp))).toBeNull();
    expect(walkAll(new ChainWalk({ seq: 10, hash: 'b'.repeat(64) }), chain(3, cp))).toEqual({
      seq: 11,
      reason: 'prev_mismatch',
    });
  });

  it('counts rows older than the chain (NULL hash) only before the first chained one', () => {
    const legacy = chain(2).map((e) => ({ ...e, hash: null, prevHash: null }) as AuditEntryEntity);
    const rest = chain(2, { seq: 2, hash: GENESIS_HASH });
    const walk = new ChainWalk(null);
    expect(walkAll(walk, [...legacy, ...rest])).toBeNull();
    expect(walk.unchained).toBe(2);
    const late = chain(3);
    late[2].hash = null;
    expect(walkAll(new ChainWalk(null), late)).toEqual({ seq: 3, reason: 'hash_mismatch' });
  });
});
