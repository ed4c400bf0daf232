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

/**
 * Local HS256 sessions (passport-jwt): signed with JWT_SECRET, `iss: agentcy`, HS256 pinned.
 * validate() then applies the session checks (token version, logout deny-list, live user row).
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

  validate(req: AuthedRequest, payload: Record<string, unknown>): Promise<Principal> {
    return this.principals.forLocalToken(sessionClaims(payload, req), req);
  }

  rejection(info: unknown, req: AuthedRequest): UnauthorizedException {
    return localJwtRejection(info, bearerFromRequest(req), req);
  }
}
