import { hostAccessAllowed } from './ciab-live-sessions';
import { previewUrl } from './ciab-workspace.service';

describe('ciab sessions: decisions', () => {
  const member = { role: 'member', platformAdmin: false } as const;
  const admin = { role: 'admin', platformAdmin: false } as const;
  const owner = { role: 'owner', platformAdmin: false } as const;
  const platform = { role: 'member', platformAdmin: true } as const;

  it('CIAB_HOST_ACCESS=platform_admin lets only platform admins in', () => {
    expect([member, admin, owner, platform].map((p) => hostAccessAllowed('platform_admin', p))).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it('org_admin adds org admins and owners, never members', () => {
    expect([member, admin, owner, platform].map((p) => hostAccessAllowed('org_admin', p))).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('off shuts everyone out, platform admins included', () => {
    expect([member, admin, owner, platform].map((p) => hostAccessAllowed('off', p))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('builds preview URLs under /sandbox/preview with the token escaped', () => {
    expect(previewUrl('https://a.example', 'cs_1', 8000, 'x.y+z')).toBe(
      'https://a.example/sandbox/preview/cs_1/8000/?token=x.y%2Bz',
    );
  });
});
