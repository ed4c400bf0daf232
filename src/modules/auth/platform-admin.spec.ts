import { apiKeyHasPlatformPower, isPlatformAdmin } from './platform-admin';

describe('platform admin', () => {
  it('comes from the stored platform:admin permission only, never from the email', () => {
    expect(isPlatformAdmin({ permissions: ['platform:admin'] })).toBe(true);
    expect(isPlatformAdmin({ permissions: [] })).toBe(false);
    expect(isPlatformAdmin({ permissions: ['platform:admins', 'PLATFORM:ADMIN'] })).toBe(false);
  });

  it('an API key has it only with the platform scope, an admin+ effective role, and an owner who has it', () => {
    const scoped = { scopes: ['platform'] };
    expect(apiKeyHasPlatformPower(true, scoped, 'owner')).toBe(true);
    expect(apiKeyHasPlatformPower(true, scoped, 'admin')).toBe(true);
    expect(apiKeyHasPlatformPower(true, scoped, 'member')).toBe(false);
    expect(apiKeyHasPlatformPower(true, scoped, 'viewer')).toBe(false);
    expect(apiKeyHasPlatformPower(true, { scopes: [] }, 'owner')).toBe(false);
    expect(apiKeyHasPlatformPower(false, scoped, 'owner')).toBe(false);
  });
});
