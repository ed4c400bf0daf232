import { fakePrincipalChanges } from '../../../test/support/fake-principal-changes';
import { ConversationEntity } from './chat.entity';
import { ConversationsCache } from './conversations-cache';

function conversation(id: string, title = 't'): ConversationEntity {
  return Object.assign(new ConversationEntity(), { id, orgId: 'org1', title, agent: 'default', realm: null });
}

async function setup() {
  const fake = fakePrincipalChanges();
  const cache = new ConversationsCache(fake.changes);
  await cache.onModuleInit();
  return { cache, hear: fake.hear, announced: fake.announced };
}

/** The TTL, the overlap rule, gaps and failed loads are AnnouncedCache's (announced-cache.spec.ts). */
describe('ConversationsCache', () => {
  it('keeps a conversation by org and id, and a created one without a load; never a miss', async () => {
    const { cache } = await setup();
    const load = jest.fn(async () => conversation('c1'));
    const first = await cache.get('org1', 'c1', load);
    expect(await cache.get('org1', 'c1', load)).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(first)).toBe(true);
    // another org asking for the same id is another key (the loader scopes by org)
    const none = jest.fn(async () => null);
    expect(await cache.get('org2', 'c1', none)).toBeNull();
    expect(await cache.get('org2', 'c1', none)).toBeNull();
    expect(none).toHaveBeenCalledTimes(2);
    cache.created(conversation('c2', 'new'));
    const unused = jest.fn(async () => conversation('c2', 'loaded'));
    expect((await cache.get('org1', 'c2', unused))?.title).toBe('new');
    expect(unused).not.toHaveBeenCalled();
  });

  it('drops one conversation when its change is announced (on every replica), nothing else', async () => {
    const { cache, hear, announced } = await setup();
    await cache.get('org1', 'c1', async () => conversation('c1', 'old'));
    await cache.get('org1', 'c2', async () => conversation('c2', 'other'));
    await cache.changed('c1');
    expect(announced).toEqual([{ kind: 'conversation', id: 'c1' }]);
    expect((await cache.get('org1', 'c1', async () => conversation('c1', 'new')))?.title).toBe('new');
    expect((await cache.get('org1', 'c2', async () => conversation('c2', 'reloaded')))?.title).toBe('other');
    hear({ kind: 'org', id: 'org1' }); // an org change concerns no conversation entry
    hear({ kind: 'conversation', id: 'c2' }); // from another replica
    expect((await cache.get('org1', 'c2', async () => conversation('c2', 'reloaded')))?.title).toBe('reloaded');
  });
});
