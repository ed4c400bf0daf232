import { clientIp } from '@libs/audit/request-meta';
import { PrincipalResolver } from '@libs/auth/auth-strategy';
import type { AuthedRequest } from '@libs/auth/auth.guard';
import { roleRank, type Principal, type Role, type SessionRef } from '@libs/auth/principal';
import { sha256Hex } from '@libs/crypto';
import { ForbiddenException, UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiKeyEntity, isKeyExpired, isKeyRevoked } from 'src/modules/api-keys/api-key.entity';
import { ApiKeysRepository } from 'src/modules/api-keys/api-keys.repository';
import { ipAllowed } from 'src/modules/api-keys/ip-allow-list';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { OidcUsersService } from './oidc-users.service';
import { OidcVerifier } from './oidc-verifier.service';
import { apiKeyHasPlatformPower, isPlatformAdmin } from './platform-admin';
import { SessionRevocations } from './session-revocations.service';
import { TokenService } from './token.service';

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
 * Bearer credential → principal (auth.md §1):
 * - `ak_…` → API key: looked up by SHA-256 hash on every request (no cache, so revocation,
 *   rotation and disabling the owner take effect at once on every replica);
 * - JWT with `alg: HS256` → local token (JWT_SECRET); its `tv` must equal users.token_version
 *   (password change/reset, disabling and demotion bump it) and its `jti` must not be logged out;
 * - JWT with `alg: RS256` → OIDC token verified against the JWKS (when JWKS_URL is set); it can
 *   be logged out (deny-list by token hash), the rest is the IdP's business;
 * - anything else (including `alg: none`) → 401.
 * The user row is read on every request: a disabled or deleted user is refused at once, and
 * role changes apply immediately. A disabled org answers 403 `org_disabled`.
 */
@Injectable()
export class BearerPrincipalResolver extends PrincipalResolver {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly oidc: OidcVerifier,
    private readonly oidcUsers: OidcUsersService,
    private readonly revocations: SessionRevocations,
  ) {
    super();
  }

  async resolve(bearer: string, req: Request): Promise<Principal> {
    if (bearer.startsWith('ak_')) {
      return this.resolveApiKey(bearer, req as AuthedRequest);
    }
    const alg = this.tokens.algorithmOf(bearer);
    if (alg === 'HS256') {
      const claims = await this.tokens.verifyLocal(bearer, req as AuthedRequest);
      const session: SessionRef = { id: `local:${claims.jti}`, expiresAt: claims.exp };
      const [found, loggedOut] = await Promise.all([
        this.users.findForAuth(claims.sub),
        this.revocations.isRevoked(session.id),
      ]);
      if (!found || found.user.orgId !== claims.org_id) {
        throw new UnauthorizedException('Invalid token', { reason: 'unknown_user' });
      }
      const principal = await this.forUser(found.user, req as AuthedRequest, found.orgDisabled);
      if (found.user.tokenVersion !== claims.tv) {
        throw new UnauthorizedException('Session ended; log in again', { reason: 'session_revoked' });
      }
      return this.liveSession(principal, session, loggedOut);
    }
    if (alg === 'RS256' && this.oidc.enabled) {
      const claims = await this.oidc.verify(bearer);
      const expiresAt = claims.exp ?? Math.floor(Date.now() / 1000) + OIDC_SESSION_FALLBACK_SECS;
      const session: SessionRef = { id: `oidc:${sha256Hex(bearer)}`, expiresAt };
      const [user, loggedOut] = await Promise.all([
        this.oidcUsers.upsert(claims),
        this.revocations.isRevoked(session.id),
      ]);
      return this.liveSession(await this.forUser(user, req as AuthedRequest), session, loggedOut);
    }
    throw new UnauthorizedException('Invalid token', { reason: alg ? 'unsupported_algorithm' : 'malformed_token' });
  }

  private async resolveApiKey(bearer: string, req: AuthedRequest): Promise<Principal> {
    const key = await this.apiKeys.findByHash(sha256Hex(bearer));
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
    const found = await this.users.findForAuth(key.createdBy);
    if (!found || found.user.orgId !== key.orgId) {
      throw new UnauthorizedException('Invalid API key', { reason: 'unknown_user' });
    }
    const principal = await this.forUser(found.user, req, found.orgDisabled, (owner) => asKey(owner, key));
    this.touch(key.id);
    return principal;
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
