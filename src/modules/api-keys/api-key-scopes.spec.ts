import { apiKeyScopeRefusal } from './api-key-scopes';

describe('API key scopes', () => {
  const pa = { platformAdmin: true };
  const notPa = { platformAdmin: false };

  it('no scope: nothing to refuse', () => {
    expect(apiKeyScopeRefusal(notPa, 'viewer', [])).toBeUndefined();
  });

  it('platform scope: admin or owner keys of a platform admin only', () => {
    expect(apiKeyScopeRefusal(pa, 'admin', ['platform'])).toBeUndefined();
    expect(apiKeyScopeRefusal(pa, 'owner', ['platform'])).toBeUndefined();
    for (const role of ['viewer', 'member'] as const) {
      expect(apiKeyScopeRefusal(pa, role, ['platform'])).toMatchObject({
        status: 400,
        code: 'validation_failed',
        details: { reason: 'platform_scope_needs_admin_role' },
      });
    }
    expect(apiKeyScopeRefusal(notPa, 'owner', ['platform'])).toMatchObject({
      status: 403,
      details: { reason: 'not_platform_admin' },
    });
  });
});
