import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { KeyObject } from 'node:crypto';

/** After a fetch, an unknown `kid` triggers a refetch at most once per this many ms. */
export const JWKS_REFETCH_COOLDOWN_MS = 1000;

/**
 * The configured IdP's key set (jose `createRemoteJWKSet`: cached for JWKS_TTL_SECS, refetched
 * early when a token names an unknown `kid`, at most once per JWKS_REFETCH_COOLDOWN_MS). It
 * gives OidcJwtStrategy (bearer tokens, passport-jwt) the key for a token, and verifies the
 * `id_token` of the code-exchange login itself. Only RS256 is accepted, so `alg: none` and HS256
 * tokens (including ones signed with the RSA public key as an HMAC secret) never verify here.
 */
@Injectable()
export class OidcVerifier {
  private readonly jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: AppConfig) {
    const { jwksUrl, jwksTtlSecs } = config.auth;
    if (jwksUrl) {
      this.jwks = createRemoteJWKSet(new URL(jwksUrl), {
        cacheMaxAge: jwksTtlSecs * 1000,
        cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
        timeoutDuration: 5000,
      });
    }
  }

  get enabled(): boolean {
    return !!this.jwks && !!this.config.auth.issuer;
  }

  /** The JWKS key the token's header names (`kid`, RS256); jose errors when there is none. */
  async signingKey(token: string): Promise<KeyObject> {
    if (!this.jwks || !this.config.auth.issuer) {
      throw new UnauthorizedException('OIDC tokens are not accepted by this install', { reason: 'oidc_disabled' });
    }
    const header = decodeProtectedHeader(token);
    if (header.alg !== 'RS256') {
      throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    }
    return (await this.jwks(header, { payload: '', signature: '' })) as KeyObject;
  }

  async verify(token: string): Promise<JWTPayload & { sub: string }> {
    if (!this.jwks || !this.config.auth.issuer) {
      throw new UnauthorizedException('OIDC tokens are not accepted by this install', { reason: 'oidc_disabled' });
    }
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        algorithms: ['RS256'],
        issuer: this.config.auth.issuer,
        audience: this.config.auth.audience,
        clockTolerance: 5,
      });
      if (typeof payload.sub !== 'string' || !payload.sub) {
        throw new UnauthorizedException('Token has no subject', { reason: 'missing_sub' });
      }
      return payload as JWTPayload & { sub: string };
    } catch (err) {
      throw oidcError(err);
    }
  }
}

export function oidcError(err: unknown): UnauthorizedException {
  if (err instanceof UnauthorizedException) {
    return err;
  }
  if (err instanceof joseErrors.JWTExpired) {
    return new UnauthorizedException('Token expired', { reason: 'token_expired' });
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const reason = err.claim === 'nbf' ? 'token_not_yet_valid' : `invalid_${err.claim}`;
    return new UnauthorizedException('Token claims rejected', { reason });
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new UnauthorizedException('Token algorithm not allowed', { reason: 'unsupported_algorithm' });
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return new UnauthorizedException('Unknown signing key', { reason: 'unknown_kid' });
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new UnauthorizedException('Invalid token signature', { reason: 'invalid_signature' });
  }
  if (err instanceof joseErrors.JWKSTimeout || (err as { code?: string })?.code === 'ERR_JOSE_GENERIC') {
    return new UnauthorizedException('Could not verify the token', { reason: 'jwks_unavailable' });
  }
  return new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
}
