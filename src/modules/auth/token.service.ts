import type { Role } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';

export interface LocalClaims {
  sub: string;
  org_id: string;
  role: Role;
  email: string;
  /** the user's token_version when the token was issued */
  tv: number;
}

/** A verified local token: its claims plus the session id (`jti`) and expiry (epoch seconds). */
export interface VerifiedLocalClaims extends LocalClaims {
  jti: string;
  exp: number;
}

export const LOCAL_ISSUER = 'agentcy';

/**
 * Local HS256 tokens: issue and verify. Every token has a unique `jti` (the session that
 * `POST /auth/logout` ends) and `tv` (compared with users.token_version on every request).
 */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;

  constructor(private readonly config: AppConfig) {
    this.key = new TextEncoder().encode(config.auth.jwtSecret);
  }

  async issue(claims: LocalClaims): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.config.auth.jwtExpirySecs;
    const token = await new SignJWT({ org_id: claims.org_id, role: claims.role, email: claims.email, tv: claims.tv })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(randomUUID())
      .setSubject(claims.sub)
      .setIssuer(LOCAL_ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Header algorithm without verifying; used to pick the verifier. */
  algorithmOf(token: string): string | undefined {
    try {
      return decodeProtectedHeader(token).alg;
    } catch {
      return undefined;
    }
  }

  /** Verifies a local token; on a refused but authentic token (e.g. expired), tells `ctx` whose it was. */
  async verifyLocal(
    token: string,
    ctx?: { authFailure?: { orgId?: string | null; userId?: string | null } },
  ): Promise<VerifiedLocalClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: LOCAL_ISSUER });
      if (typeof payload.sub !== 'string' || typeof payload.org_id !== 'string') {
        throw new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
      }
      // tokens from before sessions were versioned carry neither; they end like any revoked session
      if (!Number.isInteger(payload.tv) || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
        if (ctx) {
          ctx.authFailure = { orgId: payload.org_id, userId: payload.sub };
        }
        throw new UnauthorizedException('Session ended; log in again', { reason: 'session_revoked' });
      }
      return payload as unknown as VerifiedLocalClaims;
    } catch (err) {
      const payload =
        err instanceof joseErrors.JWTExpired || err instanceof joseErrors.JWTClaimValidationFailed
          ? err.payload
          : undefined;
      if (ctx && typeof payload?.org_id === 'string' && typeof payload?.sub === 'string') {
        ctx.authFailure = { orgId: payload.org_id, userId: payload.sub };
      }
      if (err instanceof UnauthorizedException) {
        throw err;
      }
      throw tokenError(err);
    }
  }
}

export function tokenError(err: unknown): UnauthorizedException {
  if (err instanceof joseErrors.JWTExpired) {
    return new UnauthorizedException('Token expired', { reason: 'token_expired' });
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    return new UnauthorizedException('Token claims rejected', { reason: `invalid_${err.claim}` });
  }
  return new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
}
