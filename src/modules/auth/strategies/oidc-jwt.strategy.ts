import type { AuthedRequest } from '@libs/auth/authed-request';
import { bearerFromRequest } from '@libs/auth/passport/run-strategy';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { JWTPayload } from 'jose';
import { Strategy as JwtStrategy } from 'passport-jwt';
import { oidcError, OidcVerifier } from '../oidc-verifier.service';
import { UserPrincipals } from '../user-principals.service';
import { oidcJwtRejection } from './jwt-failure';

export const OIDC_JWT_ALGORITHMS: 'RS256'[] = ['RS256'];
/** seconds of clock skew accepted on `exp`/`nbf` */
export const OIDC_CLOCK_TOLERANCE_SECS = 5;

/** Errors of the verification (jsonwebtoken, inside passport-jwt) and of the JWKS look-up (jose) both arrive as `fail(info)`. */
function isJsonWebTokenError(err: unknown): boolean {
  return err instanceof Error && ['TokenExpiredError', 'NotBeforeError', 'JsonWebTokenError'].includes(err.name);
}

/**
 * OIDC RS256 access tokens (passport-jwt): the key is the JWKS key named by the token's `kid`
 * (OidcVerifier's jose remote key set: cached JWKS_TTL_SECS, refetched on an unknown `kid` at most
 * once per second), RS256 pinned, `iss` = JWT_ISSUER and `aud` = JWT_AUDIENCE required.
 * validate() maps the claims to a user (JIT) and applies the logout deny-list.
 */
@Injectable()
export class OidcJwtStrategy extends PassportStrategy(JwtStrategy, 'agentcy-oidc-jwt') {
  constructor(
    config: AppConfig,
    private readonly verifier: OidcVerifier,
    private readonly principals: UserPrincipals,
  ) {
    super({
      jwtFromRequest: bearerFromRequest,
      secretOrKeyProvider: (_req: unknown, rawJwt: string, done: (err: unknown, key?: string | Buffer) => void) => {
        verifier.signingKey(rawJwt).then(
          (key) => done(null, key.export({ type: 'spki', format: 'pem' })),
          (err: unknown) => done(err),
        );
      },
      algorithms: OIDC_JWT_ALGORITHMS,
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      jsonWebTokenOptions: { clockTolerance: OIDC_CLOCK_TOLERANCE_SECS },
      passReqToCallback: true,
    });
  }

  /** Whether this install accepts OIDC tokens (JWKS_URL and JWT_ISSUER set). */
  get enabled(): boolean {
    return this.verifier.enabled;
  }

  validate(req: AuthedRequest, payload: JWTPayload): Promise<Principal> {
    if (typeof payload.sub !== 'string' || !payload.sub) {
      throw new UnauthorizedException('Token has no subject', { reason: 'missing_sub' });
    }
    return this.principals.forOidcToken(payload as JWTPayload & { sub: string }, bearerFromRequest(req) ?? '', req);
  }

  rejection(info: unknown): UnauthorizedException {
    return isJsonWebTokenError(info) ? oidcJwtRejection(info) : oidcError(info);
  }
}
