import { AppConfig } from '@libs/config';
import { PasswordHasher, ServerBusyException } from './password-hasher';

describe('PasswordHasher', () => {
  it('hashes and verifies with argon2id', async () => {
    const h = new PasswordHasher(AppConfig.fromEnv({}));
    const hashed = await h.hash('password-123');
    expect(hashed).toMatch(/^\$argon2id\$/);
    await expect(h.verify(hashed, 'password-123')).resolves.toBe(true);
    await expect(h.verify(hashed, 'wrong')).resolves.toBe(false);
    await expect(h.verifyNobody('anything')).resolves.toBe(false);
  });

  it('a flood beyond concurrency + queue is refused at once with 503 server_busy (Retry-After)', async () => {
    const h = new PasswordHasher(AppConfig.fromEnv({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE_MAX: '2' }));
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => h.hash(`password-${i}`)));
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(ServerBusyException);
      expect(r.reason).toMatchObject({ status: 503, code: 'server_busy', headers: { 'Retry-After': '1' } });
    }
    // the slots are free again afterwards
    await expect(h.hash('password-after')).resolves.toMatch(/^\$argon2id\$/);
  });
});
