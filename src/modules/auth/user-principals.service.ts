import { clientIp } from '@libs/audit/request-meta';
import type { AuthedRequest } from '@libs/auth/authed-request';
import { roleRank, type Principal, type Role, type SessionRef } from '@libs/auth/principal';
import { sha256Hex } from '@libs/crypto';
import { ForbiddenException, UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import { ApiKeyEntity, isKeyExpired, isKeyRevoked } from 'src/modules/api-keys/api-key.entity';
import { ApiKeysRepository } from 'src/modules/api-keys/api-keys.repository';
import { ipAllowed } from 'src/modules/api-keys/ip-allow-list';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { OidcUsersService } from './oidc-users.service';
import { apiKeyHasPlatformPower, isPlatformAdmin } from './platform-admin';
import { PrincipalCache } from './principal-cache';
import { SessionRevocations } from './session-revocations.service';
import type { VerifiedLocalClaims } from './token.service';

const TOUCH_EVERY_MS = 30_000;
/** how long a logged-out OIDC token without `exp` stays refused */
const OIDC_SESSION_FALLBACK_SECS = 24 * 3600;

/** The key's owner acting through the key: never above the owner's current role, platform power only when scoped. */
function asKey(owner: Principal, key: ApiKeyEntity): Principal {
  const role: Role = roleRank(key.role) < roleRank(owner.role) ? key.role : owner.role;
  return {
    ...owner,
    kind: 'api_key',
    apiKeyId: key.id,
    role,
    platformAdmin: apiKeyHasPlatformPower(owner.platformAdmin, key, role),
  };
}

/**
 * What happens after a strategy verified a credential (auth.md §1), called from the strategies'
 * `validate()`:
 * - local token: its `tv` must equal users.token_version (password change/reset, disabling and
 *   demotion bump it) and its `jti` must not be logged out;
 * - OIDC token: claims mapped to a user (JIT), and it can be logged out (deny-list by token hash);
 * - API key: looked up by SHA-256 hash, then expiry and IP allow-list on every request.
 * The user row, the key row and the logout check come through PrincipalCache: every change to
 * them is announced to every replica after commit, so a disabled or deleted user, a revoked key,
 * a role change and a logout take effect on the next request everywhere. A disabled org answers
 * 403 `org_disabled`.
 */
@Injectable()
export class UserPrincipals {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly oidcUsers: OidcUsersService,
    private readonly revocations: SessionRevocations,
    private readonly cache: PrincipalCache,
  ) {}

  async forLocalToken(claims: VerifiedLocalClaims, req: AuthedRequest): Promise<Principal> {
    const session: SessionRef = { id: `local:${claims.jti}`, expiresAt: claims.exp };
    const [found, loggedOut] = await Promise.all([
      this.userRow(claims.sub),
      this.cache.isLoggedOut(session.id, () => this.revocations.isRevoked(session.id)),
    ]);
    if (!found || found.user.orgId !== claims.org_id) {
      throw new UnauthorizedException('Invalid token', { reason: 'unknown_user' });
    }
    const principal = await this.forUser(found.user, req, found.orgDisabled);
    if (found.user.tokenVersion !== claims.tv) {
      throw new UnauthorizedException('Session ended; log in again', { reason: 'session_revoked' });
    }
    return this.liveSession(principal, session, loggedOut);
  }

  async forOidcToken(claims: JWTPayload & { sub: string }, bearer: string, req: AuthedRequest): Promise<Principal> {
    const expiresAt = claims.exp ?? Math.floor(Date.now() / 1000) + OIDC_SESSION_FALLBACK_SECS;
    const session: SessionRef = { id: `oidc:${sha256Hex(bearer)}`, expiresAt };
    const [user, loggedOut] = await Promise.all([
      this.oidcUsers.upsert(claims),
      this.revocations.isRevoked(session.id),
    ]);
    return this.liveSession(await this.forUser(user, req), session, loggedOut);
  }

  async forApiKey(bearer: string, req: AuthedRequest): Promise<Principal> {
    const hash = sha256Hex(bearer);
    const key = await this.cache.apiKey(hash, () => this.apiKeys.findByHash(hash));
    if (!key) {
      throw new UnauthorizedException('Invalid API key', { reason: 'invalid_api_key' });
    }
    req.authFailure = { orgId: key.orgId, apiKeyId: key.id, userId: key.createdBy };
    if (isKeyRevoked(key)) {
      throw new UnauthorizedException('API key revoked', { reason: 'api_key_revoked' });
    }
    if (isKeyExpired(key)) {
      throw new UnauthorizedException('API key expired', { reason: 'api_key_expired' });
    }
    if (!ipAllowed(clientIp(req), key.allowedIps)) {
      throw new UnauthorizedException('API key not allowed from this address', { reason: 'ip_not_allowed' });
    }
    const found = await this.userRow(key.createdBy);
    if (!found || found.user.orgId !== key.orgId) {
      throw new UnauthorizedException('Invalid API key', { reason: 'unknown_user' });
    }
    const principal = await this.forUser(found.user, req, found.orgDisabled, (owner) => asKey(owner, key));
    this.touch(key.id);
    return principal;
  }

  toPrincipal(user: UserEntity, extra: Partial<Principal> = {}): Principal {
    return {
      kind: 'user',
      userId: user.id,
      orgId: user.orgId,
      role: user.role,
      email: user.email,
      platformAdmin: isPlatformAdmin(user),
      authProvider: user.authProvider,
      ...extra,
    };
  }

  private userRow(id: string) {
    return this.cache.user(id, () => this.users.findForAuth(id));
  }

  private liveSession(principal: Principal, session: SessionRef, loggedOut: boolean): Principal {
    if (loggedOut) {
      throw new UnauthorizedException('Session ended; log in again', { reason: 'logged_out' });
    }
    return { ...principal, session };
  }

  /** `orgDisabled` undefined = not known yet (looked up here); `narrow` turns the user into the acting principal. */
  private async forUser(
    user: UserEntity,
    req: AuthedRequest,
    orgDisabled?: boolean,
    narrow: (p: Principal) => Principal = (p) => p,
  ): Promise<Principal> {
    req.authFailure = { ...(req.authFailure ?? {}), orgId: user.orgId, userId: user.id, email: user.email };
    if (user.disabledAt) {
      throw new UnauthorizedException('User is disabled', { reason: 'user_disabled' });
    }
    if (orgDisabled === undefined) {
      const org = await this.orgs.findById(user.orgId);
      if (!org) {
        throw new UnauthorizedException('Invalid token', { reason: 'unknown_org' });
      }
      orgDisabled = !!org.disabledAt;
    }
    const principal = narrow(this.toPrincipal(user));
    // platform admins keep access so they can re-enable their own org
    if (orgDisabled && !principal.platformAdmin) {
      req.principal = principal;
      throw new ForbiddenException('This organization is disabled', { reason: 'org_disabled' }, 'org_disabled');
    }
    return principal;
  }

  private touch(id: string): void {
    const now = Date.now();
    if ((this.touched.get(id) ?? 0) > now - TOUCH_EVERY_MS) {
      return;
    }
    this.touched.set(id, now);
    if (this.touched.size > 10_000) {
      this.touched.clear();
    }
    void this.apiKeys.touch(id).catch(() => undefined);
  }
}
