import { permissionsChangeEndsSessions, revokesPlatformAdmin, roleChangeEndsSessions } from './session-policy';

describe('session policy', () => {
  it('a demotion ends sessions; a promotion or no change does not', () => {
    expect(roleChangeEndsSessions('owner', 'admin')).toBe(true);
    expect(roleChangeEndsSessions('member', 'viewer')).toBe(true);
    expect(roleChangeEndsSessions('viewer', 'admin')).toBe(false);
    expect(roleChangeEndsSessions('admin', 'admin')).toBe(false);
  });

  it('taking any permission away ends sessions; adding does not', () => {
    expect(permissionsChangeEndsSessions(['platform:admin'], [])).toBe(true);
    expect(permissionsChangeEndsSessions(['a', 'b'], ['b', 'c'])).toBe(true);
    expect(permissionsChangeEndsSessions([], ['platform:admin'])).toBe(false);
    expect(permissionsChangeEndsSessions(['a'], ['a'])).toBe(false);
  });

  it('knows when platform:admin is revoked', () => {
    expect(revokesPlatformAdmin(['platform:admin', 'x'], ['x'])).toBe(true);
    expect(revokesPlatformAdmin(['x'], [])).toBe(false);
    expect(revokesPlatformAdmin(['platform:admin'], ['platform:admin'])).toBe(false);
  });
});
