import type { PrincipalChange, PrincipalChanges } from '@libs/auth/principal-changes';
import type { ResolvedAgent } from './agents.contract';
import { ResolvedAgentsCache } from './resolved-agents-cache';

function agent(name: string, prompt = 'p'): ResolvedAgent {
  return {
    id: `id-${name}`,
    name,
    description: '',
    systemPrompt: prompt,
    model: null,
    realm: null,
    skills: ['a'],
    allowedConnectors: null,
    connectorsAllowlist: null,
    approvalOverrides: { write: 'approve' },
    approvalDefaults: { write: 'approve' },
    maxIterations: 5,
    builtin: false,
  };
}

async function setup() {
  let hear: (c: PrincipalChange) => void = () => undefined;
  let gap: () => void = () => undefined;
  const announced: PrincipalChange[] = [];
  const changes = {
    listen: async (l: (c: PrincipalChange) => void, onGap: () => void) => {
      hear = l;
      gap = onGap;
      return async () => undefined;
    },
    announce: async (kind: PrincipalChange['kind'], id: string) => {
      announced.push({ kind, id });
      hear({ kind, id });
    },
  } as unknown as PrincipalChanges;
  const cache = new ResolvedAgentsCache(changes);
  await cache.onModuleInit();
  return { cache, hear: (c: PrincipalChange) => hear(c), gap: () => gap(), announced };
}

describe('ResolvedAgentsCache', () => {
  it('loads once per org and id or name (names case-insensitively), and freezes what it keeps', async () => {
    const { cache } = await setup();
    const load = jest.fn(async () => agent('ops'));
    const first = await cache.get('org1', 'Ops', load);
    const second = await cache.get('org1', 'ops', load);
    expect(load).toHaveBeenCalledTimes(1);
    expect(second).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.skills) && Object.isFrozen(first.approvalDefaults)).toBe(
      true,
    );
    await cache.get('org2', 'ops', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("drops an org's agents when one of them changes, on this replica and (through the announcement) on others", async () => {
    const { cache, hear, announced } = await setup();
    await cache.get('org1', 'ops', async () => agent('ops', 'old'));
    await cache.get('org2', 'ops', async () => agent('ops', 'other org'));
    await cache.changed('org1');
    expect(announced).toEqual([{ kind: 'agent', id: 'org1' }]);
    expect((await cache.get('org1', 'ops', async () => agent('ops', 'new'))).systemPrompt).toBe('new');
    const otherOrg = jest.fn(async () => agent('ops', 'reloaded'));
    expect((await cache.get('org2', 'ops', otherOrg)).systemPrompt).toBe('other org');
    expect(otherOrg).not.toHaveBeenCalled();
    // another replica's announcement, and an org change (disabled, purged), drop the same way
    hear({ kind: 'agent', id: 'org2' });
    expect((await cache.get('org2', 'ops', otherOrg)).systemPrompt).toBe('reloaded');
    hear({ kind: 'org', id: 'org2' });
    await cache.get('org2', 'ops', otherOrg);
    expect(otherOrg).toHaveBeenCalledTimes(2);
  });

  it('does not keep a load that a change overlapped, and forgets everything after a gap in announcements', async () => {
    const { cache, hear, gap } = await setup();
    let finish!: (a: ResolvedAgent) => void;
    const pending = cache.get('org1', 'ops', () => new Promise<ResolvedAgent>((r) => (finish = r)));
    hear({ kind: 'agent', id: 'org1' });
    finish(agent('ops', 'read before the change'));
    expect((await pending).systemPrompt).toBe('read before the change');
    expect((await cache.get('org1', 'ops', async () => agent('ops', 'after'))).systemPrompt).toBe('after');
    gap();
    expect((await cache.get('org1', 'ops', async () => agent('ops', 'after the gap'))).systemPrompt).toBe(
      'after the gap',
    );
  });

  it('keeps an entry at most 30 s, and does not cache a failed load', async () => {
    const { cache } = await setup();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    try {
      await cache.get('org1', 'ops', async () => agent('ops', 'first'));
      now.mockReturnValue(1_000_000 + 29_000);
      expect((await cache.get('org1', 'ops', async () => agent('ops', 'x'))).systemPrompt).toBe('first');
      now.mockReturnValue(1_000_000 + 31_000);
      expect((await cache.get('org1', 'ops', async () => agent('ops', 'second'))).systemPrompt).toBe('second');
    } finally {
      now.mockRestore();
    }
    await expect(cache.get('org1', 'gone', () => Promise.reject(new Error('404')))).rejects.toThrow('404');
    expect((await cache.get('org1', 'gone', async () => agent('gone'))).name).toBe('gone');
  });
});
