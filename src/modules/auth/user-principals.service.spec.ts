import type { AuthedRequest } from '@libs/auth/authed-request';
import type { PrincipalChanges } from '@libs/auth/principal-changes';
import type { AppConfig } from '@libs/config';
import { sha256Hex } from '@libs/crypto';
import { AppException } from '@libs/errors';
import type { ApiKeyEntity } from 'src/modules/api-keys/api-key.entity';
import type { ApiKeysRepository } from 'src/modules/api-keys/api-keys.repository';
import type { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import type { UserEntity } from 'src/modules/orgs/user.entity';
import type { UsersRepository } from 'src/modules/orgs/users.repository';
import type { OidcUsersService } from './oidc-users.service';
import { PrincipalCache } from './principal-cache';
import type { SessionRevocations } from './session-revocations.service';
import type { VerifiedLocalClaims } from './token.service';
import { UserPrincipals } from './user-principals.service';

const user = (over: Partial<UserEntity> = {}) =>
  ({
    id: 'user-1',
    orgId: 'org-1',
    email: 'a@example.test',
    role: 'admin',
    permissions: [],
    authProvider: 'local',
    disabledAt: null,
    tokenVersion: 2,
    ...over,
  }) as UserEntity;

const claims = (over: Partial<VerifiedLocalClaims> = {}): VerifiedLocalClaims => ({
  sub: 'user-1',
  org_id: 'org-1',
  role: 'admin',
  email: 'a@example.test',
  tv: 2,
  jti: 'jti-1',
  exp: Math.floor(Date.now() / 1000) + 600,
  ...over,
});

function setup(
  opts: { user?: UserEntity; orgDisabled?: boolean; revoked?: boolean; key?: Partial<ApiKeyEntity> } = {},
) {
  const u = opts.user ?? user();
  const users = { findForAuth: jest.fn(async () => ({ user: u, orgDisabled: !!opts.orgDisabled })) };
  const orgs = { findById: jest.fn(async () => ({ id: u.orgId, disabledAt: opts.orgDisabled ? new Date() : null })) };
  const key = opts.key
    ? ({
        id: 'key-1',
        orgId: 'org-1',
        createdBy: 'user-1',
        role: 'member',
        scopes: [],
        allowedIps: [],
        revokedAt: null,
        expiresAt: null,
        ...opts.key,
      } as ApiKeyEntity)
    : null;
  const apiKeys = { findByHash: jest.fn(async () => key), touch: jest.fn(async () => undefined) };
  const oidcUsers = { upsert: jest.fn(async () => u) };
  const revocations = { isRevoked: jest.fn(async () => !!opts.revoked) };
  const principals = new UserPrincipals(
    users as unknown as UsersRepository,
    orgs as unknown as OrgsRepository,
    apiKeys as unknown as ApiKeysRepository,
    oidcUsers as unknown as OidcUsersService,
    revocations as unknown as SessionRevocations,
    new PrincipalCache({ authCacheTtlMs: 0 } as AppConfig, {} as PrincipalChanges),
  );
  const req = { headers: {}, socket: { remoteAddress: '127.0.0.1' } } as unknown as AuthedRequest;
  return { principals, req, apiKeys, revocations };
}

async function refusal(p: Promise<unknown>): Promise<[number, unknown]> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppException);
    return [(err as AppException).status, (err as AppException).details?.reason];
  }
  throw new Error('expected a refusal');
}

describe('UserPrincipals: the checks after a strategy verified the credential', () => {
  it('local token: role from the live user row, session id from jti', async () => {
    const { principals, req, revocations } = setup({ user: user({ role: 'member' }) });
    const p = await principals.forLocalToken(claims({ role: 'owner' }), req);
    expect(p).toMatchObject({ kind: 'user', userId: 'user-1', role: 'member', session: { id: 'local:jti-1' } });
    expect(revocations.isRevoked).toHaveBeenCalledWith('local:jti-1');
  });

  it('local token: a bumped token version → session_revoked; a logged-out jti → logged_out', async () => {
    expect(await refusal(setup().principals.forLocalToken(claims({ tv: 1 }), setup().req))).toEqual([
      401,
      'session_revoked',
    ]);
    const loggedOut = setup({ revoked: true });
    expect(await refusal(loggedOut.principals.forLocalToken(claims(), loggedOut.req))).toEqual([401, 'logged_out']);
  });

  it('local token of another org than the user row → unknown_user', async () => {
    const s = setup();
    expect(await refusal(s.principals.forLocalToken(claims({ org_id: 'org-2' }), s.req))).toEqual([
      401,
      'unknown_user',
    ]);
  });

  it('disabled user → 401 user_disabled; disabled org → 403 org_disabled (platform admins keep access)', async () => {
    const disabled = setup({ user: user({ disabledAt: new Date() }) });
    expect(await refusal(disabled.principals.forLocalToken(claims(), disabled.req))).toEqual([401, 'user_disabled']);
    expect(disabled.req.authFailure).toMatchObject({ orgId: 'org-1', userId: 'user-1' });
    const orgOff = setup({ orgDisabled: true });
    expect(await refusal(orgOff.principals.forLocalToken(claims(), orgOff.req))).toEqual([403, 'org_disabled']);
    const admin = setup({ orgDisabled: true, user: user({ permissions: ['platform:admin'] }) });
    await expect(admin.principals.forLocalToken(claims(), admin.req)).resolves.toMatchObject({ platformAdmin: true });
  });

  it('OIDC token: the session is keyed by the token hash, and can be logged out', async () => {
    const s = setup();
    await expect(s.principals.forOidcToken({ sub: 'idp|1' }, 'tok', s.req)).resolves.toMatchObject({
      session: { id: `oidc:${sha256Hex('tok')}` },
    });
    const out = setup({ revoked: true });
    expect(await refusal(out.principals.forOidcToken({ sub: 'idp|1' }, 'tok', out.req))).toEqual([401, 'logged_out']);
  });

  it('API key: unknown, revoked, expired or from a refused address → 401 with its reason', async () => {
    const none = setup();
    expect(await refusal(none.principals.forApiKey('ak_x', none.req))).toEqual([401, 'invalid_api_key']);
    const revoked = setup({ key: { revokedAt: new Date(Date.now() - 1000) } });
    expect(await refusal(revoked.principals.forApiKey('ak_x', revoked.req))).toEqual([401, 'api_key_revoked']);
    expect(revoked.req.authFailure).toMatchObject({ orgId: 'org-1', apiKeyId: 'key-1' });
    const expired = setup({ key: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await refusal(expired.principals.forApiKey('ak_x', expired.req))).toEqual([401, 'api_key_expired']);
    const ip = setup({ key: { allowedIps: ['10.0.0.0/8'] } });
    expect(await refusal(ip.principals.forApiKey('ak_x', ip.req))).toEqual([401, 'ip_not_allowed']);
  });

  it('API key: acts with the lower of key role and owner role; last use recorded at most every 30 s', async () => {
    const s = setup({ key: { role: 'owner' }, user: user({ role: 'member' }) });
    await expect(s.principals.forApiKey('ak_x', s.req)).resolves.toMatchObject({
      kind: 'api_key',
      apiKeyId: 'key-1',
      role: 'member',
    });
    await s.principals.forApiKey('ak_x', s.req);
    expect(s.apiKeys.touch).toHaveBeenCalledTimes(1);
  });
});
