import type { AuthedRequest } from '@libs/auth/authed-request';
import { UnauthorizedException } from '@libs/errors';
import { decodeJwt } from 'jose';

/**
 * passport-jwt verifies with jsonwebtoken and passes its error to `fail(info)`; it is recognised
 * by name (jsonwebtoken is passport-jwt's dependency, not ours).
 */
type JwtErrorName = 'TokenExpiredError' | 'NotBeforeError' | 'JsonWebTokenError';

function isJwtError(err: unknown, name: JwtErrorName): err is Error {
  return err instanceof Error && err.name === name;
}

/** Which registered claim jsonwebtoken refused (it names it only in the message). */
function refusedClaim(err: unknown): 'iss' | 'aud' | 'sub' | 'jti' | undefined {
  if (!isJwtError(err, 'JsonWebTokenError')) {
    return undefined;
  }
  const m = /^jwt (issuer|audience|subject|id) invalid/.exec(err.message);
  const byWord = { issuer: 'iss', audience: 'aud', subject: 'sub', id: 'jti' } as const;
  return m ? byWord[m[1] as keyof typeof byWord] : undefined;
}

/**
 * True when jsonwebtoken refused the token after checking its signature (expiry, not-before,
 * issuer, audience): the payload is then authentic and may say whose token it was.
 */
export function failedAfterSignature(err: unknown): boolean {
  return isJwtError(err, 'TokenExpiredError') || isJwtError(err, 'NotBeforeError') || refusedClaim(err) !== undefined;
}

/** passport-jwt failure on a local HS256 token → the 401 reasons the API has always answered. */
export function localJwtRejection(err: unknown, token: string | null, req: AuthedRequest): UnauthorizedException {
  if (token && failedAfterSignature(err)) {
    const payload = decodeJwt(token);
    if (typeof payload.org_id === 'string' && typeof payload.sub === 'string') {
      req.authFailure = { orgId: payload.org_id, userId: payload.sub };
    }
  }
  if (isJwtError(err, 'TokenExpiredError')) {
    return new UnauthorizedException('Token expired', { reason: 'token_expired' });
  }
  if (isJwtError(err, 'NotBeforeError')) {
    return new UnauthorizedException('Token claims rejected', { reason: 'invalid_nbf' });
  }
  const claim = refusedClaim(err);
  if (claim) {
    return new UnauthorizedException('Token claims rejected', { reason: `invalid_${claim}` });
  }
  return new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
}

/** passport-jwt failure on an OIDC RS256 token (jsonwebtoken's errors; key look-up errors are mapped by the caller). */
export function oidcJwtRejection(err: unknown): UnauthorizedException {
  if (isJwtError(err, 'TokenExpiredError')) {
    return new UnauthorizedException('Token expired', { reason: 'token_expired' });
  }
  if (isJwtError(err, 'NotBeforeError')) {
    return new UnauthorizedException('Token claims rejected', { reason: 'token_not_yet_valid' });
  }
  const claim = refusedClaim(err);
  if (claim) {
    return new UnauthorizedException('Token claims rejected', { reason: `invalid_${claim}` });
  }
  if (isJwtError(err, 'JsonWebTokenError') && err.message === 'invalid signature') {
    return new UnauthorizedException('Invalid token signature', { reason: 'invalid_signature' });
  }
  if (isJwtError(err, 'JsonWebTokenError') && err.message === 'invalid algorithm') {
    return new UnauthorizedException('Token algorithm not allowed', { reason: 'unsupported_algorithm' });
  }
  return new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
}
