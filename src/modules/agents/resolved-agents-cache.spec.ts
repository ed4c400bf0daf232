import { fakePrincipalChanges } from '../../../test/support/fake-principal-changes';
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
  const fake = fakePrincipalChanges();
  const cache = new ResolvedAgentsCache(fake.changes);
  await cache.onModuleInit();
  return { cache, hear: fake.hear, announced: fake.announced };
}

/** The TTL, the overlap rule, gaps and failed loads are AnnouncedCache's (announced-cache.spec.ts). */
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
});
