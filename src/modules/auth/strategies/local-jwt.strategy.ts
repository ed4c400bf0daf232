import type { AuthedRequest } from '@libs/auth/authed-request';
import { bearerFromRequest } from '@libs/auth/passport/run-strategy';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { Strategy as JwtStrategy } from 'passport-jwt';
import { LOCAL_ISSUER, type VerifiedLocalClaims } from '../token.service';
import { UserPrincipals } from '../user-principals.service';
import { localJwtRejection } from './jwt-failure';

/** The only algorithm this strategy verifies: a token with another `alg` never reaches it (dispatch) and fails here anyway. */
export const LOCAL_JWT_ALGORITHMS: 'HS256'[] = ['HS256'];

/** Session claims every local token must carry; tokens from before sessions were versioned have none. */
function sessionClaims(payload: Record<string, unknown>, req: AuthedRequest): VerifiedLocalClaims {
  if (typeof payload.sub !== 'string' || typeof payload.org_id !== 'string') {
    throw new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
  }
  if (!Number.isInteger(payload.tv) || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
    req.authFailure = { orgId: payload.org_id, userId: payload.sub };
    throw new UnauthorizedException('Session ended; log in again', { reason: 'session_revoked' });
  }
  return payload as unknown as VerifiedLocalClaims;
}

/** verified tokens kept per process before the map is emptied: bounds memory whatever the callers do */
const MAX_VERIFIED = 10_000;

/**
 * Whether jsonwebtoken, verifying again now, would accept the claims it accepted before: of its
 * checks only `nbf` and `exp` depend on the time (no clock tolerance, no maxAge here).
 */
function stillTimely(claims: Record<string, unknown>): boolean {
  const now = Math.floor(Date.now() / 1000);
  return (
    !(typeof claims.nbf === 'number' && claims.nbf > now) && !(typeof claims.exp === 'number' && now >= claims.exp)
  );
}

/**
 * Local HS256 sessions (passport-jwt): signed with JWT_SECRET, `iss: agentcy`, HS256 pinned.
 * validate() then applies the session checks (token version, logout deny-list, live user row).
 *
 * The signature and claims check is a pure function of the token string and the time, so a token
 * verified once is remembered (by its full string, signature included) with its claims, and the
 * next request with it skips jsonwebtoken as long as `nbf`/`exp` still hold; once they do not, it
 * is verified again and refused with jsonwebtoken's own error. validate() runs on every request
 * either way: token version, logout and the user's state are checked each time, as before.
 */
@Injectable()
export class LocalJwtStrategy extends PassportStrategy(JwtStrategy, 'agentcy-local-jwt') {
  constructor(
    config: AppConfig,
    private readonly principals: UserPrincipals,
  ) {
    super({
      jwtFromRequest: bearerFromRequest,
      // a KeyObject, not the string: jsonwebtoken otherwise tries createPublicKey (which throws) and
      // then createSecretKey on every request, about a tenth of an authenticated request's CPU
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')) as unknown as string,
      algorithms: LOCAL_JWT_ALGORITHMS,
      issuer: LOCAL_ISSUER,
      passReqToCallback: true,
    });
  }

  private readonly verified = new Map<string, Readonly<Record<string, unknown>>>();

  /** Whether `token` is a local session token this process verified (and so, an HS256 one). */
  verifiedBefore(token: string): boolean {
    return this.verified.has(token);
  }

  /**
   * Runs on passport's per-request copy of the strategy (`this.success`/`this.error` are that
   * request's). A remembered token goes straight to validate(), as passport-jwt would hand it on
   * after jsonwebtoken; anything else takes passport-jwt's path.
   */
  override authenticate(req: AuthedRequest, options?: object): void {
    const token = bearerFromRequest(req);
    const claims = token === null ? undefined : this.verified.get(token);
    if (claims === undefined || !stillTimely(claims)) {
      if (claims !== undefined) {
        this.verified.delete(token!);
      }
      return super.authenticate(req, options);
    }
    let principal: Promise<Principal>;
    try {
      principal = this.validate(req, claims);
    } catch (err) {
      return this.error(err as Error);
    }
    principal.then(
      (p) => this.success(p),
      (err) => this.error(err as Error),
    );
  }

  /** Called by passport-jwt only once jsonwebtoken has accepted the token (and by authenticate() for a remembered one). */
  validate(req: AuthedRequest, payload: Record<string, unknown>): Promise<Principal> {
    const token = bearerFromRequest(req);
    if (token !== null && !this.verified.has(token)) {
      if (this.verified.size >= MAX_VERIFIED) {
        this.verified.clear();
      }
      this.verified.set(token, Object.freeze(payload));
    }
    return this.principals.forLocalToken(sessionClaims(payload, req), req);
  }

  rejection(info: unknown, req: AuthedRequest): UnauthorizedException {
    return localJwtRejection(info, bearerFromRequest(req), req);
  }
}
