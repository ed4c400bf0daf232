import { AppException } from '@libs/errors';
import { filterList, MAX_REFERENCES, referencedIds, requireOwned, withCallerOrg } from './tenant-scope';

describe('tenant scope of sidecar answers', () => {
  const mine = { id: 'a', org_id: 'org_1' };
  const theirs = { id: 'b', org_id: 'org_2' };
  const viaTenant = { id: 'c', tenant: 'org_1' };
  const orphan = { id: 'd' };

  it('filters a top-level array and every array of a list envelope; drops counters', () => {
    expect(filterList([mine, theirs, viaTenant, orphan, 'x', null], 'org_1')).toEqual([mine, viaTenant]);
    expect(
      filterList({ items: [mine, theirs], agents: [theirs], total: 2, count: 2, next: 'c1', owner: theirs }, 'org_1'),
    ).toEqual({ items: [mine], agents: [], next: 'c1', owner: null });
  });

  it('a list answer that is one object is judged as one object', () => {
    expect(filterList(mine, 'org_1')).toBe(mine);
    expect(() => filterList(theirs, 'org_1')).toThrow(AppException);
  });

  it('one object: another org or no org at all → 404', () => {
    expect(requireOwned(mine, 'org_1', 'Agent')).toBe(mine);
    expect(requireOwned(viaTenant, 'org_1', 'Agent')).toBe(viaTenant);
    for (const v of [theirs, orphan, [mine], null, 'org_1']) {
      let err: unknown;
      try {
        requireOwned(v, 'org_1', 'Agent');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppException);
      expect((err as AppException).status).toBe(404);
      expect((err as AppException).message).toBe('Agent not found');
    }
  });

  it('finds referenced ids at any depth, de-duplicated', () => {
    const body = {
      name: 'wf',
      agent_id: 'agt_1',
      steps: [
        { mode: 'fan-out', agent_ids: ['agt_2', 'agt_1', 7] },
        { mode: 'loop', body: { workflow_id: 'wf_9', model_id: '' } },
      ],
      trigger_id: 'trg_1',
    };
    expect(referencedIds(body)).toEqual([
      { collection: 'agents', id: 'agt_1' },
      { collection: 'agents', id: 'agt_2' },
      { collection: 'workflows', id: 'wf_9' },
      { collection: 'triggers', id: 'trg_1' },
    ]);
    expect(referencedIds('plain')).toEqual([]);
    expect(MAX_REFERENCES).toBeGreaterThan(0);
  });

  it('the forwarded body always names the caller’s org, never a tenant of its choosing', () => {
    expect(withCallerOrg({ name: 'x', org_id: 'org_2', tenant: 'org_2', orgId: 'org_2' }, 'org_1')).toEqual({
      name: 'x',
      org_id: 'org_1',
    });
    expect(withCallerOrg([1], 'org_1')).toEqual([1]);
  });
});
