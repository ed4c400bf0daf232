import type { PrincipalChange, PrincipalChanges } from '@libs/auth/principal-changes';
import type { AppConfig } from '@libs/config';
import type { ApiKeyEntity } from 'src/modules/api-keys/api-key.entity';
import type { UserEntity } from 'src/modules/orgs/user.entity';
import { AuthUserRow, PrincipalCache } from './principal-cache';

/** PrincipalChanges as the cache sees it: one listener and one gap callback. */
function fakeChanges() {
  const heard: { listener?: (c: PrincipalChange) => void; onGap?: () => void } = {};
  const changes = {
    listen: jest.fn(async (listener: (c: PrincipalChange) => void, onGap: () => void) => {
      heard.listener = listener;
      heard.onGap = onGap;
      return async () => undefined;
    }),
  };
  return { changes: changes as unknown as PrincipalChanges, heard };
}

const row = (id: string, orgId = 'org-1'): AuthUserRow => ({
  user: { id, orgId } as UserEntity,
  orgDisabled: false,
});
const key = (id: string, orgId = 'org-1') => ({ id, orgId }) as ApiKeyEntity;

async function cacheWith(ttlMs = 5000) {
  const { changes, heard } = fakeChanges();
  const cache = new PrincipalCache({ authCacheTtlMs: ttlMs } as AppConfig, changes);
  await cache.onModuleInit();
  return { cache, heard };
}

describe('PrincipalCache', () => {
  it('loads once and reuses the row until a change to that user is announced', async () => {
    const { cache, heard } = await cacheWith();
    const load = jest.fn(async () => row('u1'));
    await cache.user('u1', load);
    await cache.user('u1', load);
    expect(load).toHaveBeenCalledTimes(1);
    heard.listener!({ kind: 'user', id: 'u1' });
    await cache.user('u1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('drops every user and key of an org when the org changes', async () => {
    const { cache, heard } = await cacheWith();
    const loadA = jest.fn(async () => row('a', 'org-1'));
    const loadB = jest.fn(async () => row('b', 'org-2'));
    const loadK = jest.fn(async () => key('k1', 'org-1'));
    await Promise.all([cache.user('a', loadA), cache.user('b', loadB), cache.apiKey('hash', loadK)]);
    heard.listener!({ kind: 'org', id: 'org-1' });
    await Promise.all([cache.user('a', loadA), cache.user('b', loadB), cache.apiKey('hash', loadK)]);
    expect(loadA).toHaveBeenCalledTimes(2);
    expect(loadB).toHaveBeenCalledTimes(1);
    expect(loadK).toHaveBeenCalledTimes(2);
  });

  it('drops a key by its id (it is cached by hash) and a logout by session id', async () => {
    const { cache, heard } = await cacheWith();
    const loadK = jest.fn(async () => key('k1'));
    const loadS = jest.fn(async () => false);
    await cache.apiKey('hash-1', loadK);
    await cache.isLoggedOut('s1', loadS);
    heard.listener!({ kind: 'api_key', id: 'k1' });
    heard.listener!({ kind: 'session', id: 's1' });
    await cache.apiKey('hash-1', loadK);
    expect(await cache.isLoggedOut('s1', async () => true)).toBe(true);
    expect(loadK).toHaveBeenCalledTimes(2);
  });

  it('does not keep a row whose load started before a change was announced', async () => {
    const { cache, heard } = await cacheWith();
    let finish!: (r: AuthUserRow) => void;
    const slow = cache.user('u1', () => new Promise<AuthUserRow>((r) => (finish = r)));
    heard.listener!({ kind: 'user', id: 'u1' }); // the change lands while the old row is in flight
    finish(row('u1'));
    await slow;
    const load = jest.fn(async () => row('u1'));
    await cache.user('u1', load);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('never stores misses, so guessing key hashes cannot fill it', async () => {
    const { cache } = await cacheWith();
    const load = jest.fn(async () => null);
    await cache.apiKey('nope', load);
    await cache.apiKey('nope', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('starts over when announcements may have been missed (subscriber reconnected)', async () => {
    const { cache, heard } = await cacheWith();
    const load = jest.fn(async () => row('u1'));
    await cache.user('u1', load);
    heard.onGap!();
    await cache.user('u1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('expires entries after the TTL and caches nothing with a TTL of 0', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { cache } = await cacheWith(1000);
      const load = jest.fn(async () => row('u1'));
      await cache.user('u1', load);
      jest.setSystemTime(1_000_999);
      await cache.user('u1', load);
      expect(load).toHaveBeenCalledTimes(1);
      jest.setSystemTime(1_001_001);
      await cache.user('u1', load);
      expect(load).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
    const off = await cacheWith(0);
    const load = jest.fn(async () => row('u1'));
    await off.cache.user('u1', load);
    await off.cache.user('u1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });
});
