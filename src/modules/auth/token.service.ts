import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import type { Role } from '@libs/auth/principal';

export interface LocalClaims {
  sub: string;
  org_id: string;
  role: Role;
  email: string;
}

export const LOCAL_ISSUER = 'agentcy';

/** Local HS256 tokens: issue and verify. */
@Injectable()
export class TokenService {
  private readonly key: Uint8Array;

  constructor(private readonly config: AppConfig) {
    this.key = new TextEncoder().encode(config.auth.jwtSecret);
  }

  async issue(claims: LocalClaims): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.config.auth.jwtExpirySecs;
    const token = await new SignJWT({ org_id: claims.org_id, role: claims.role, email: claims.email })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
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

  async verifyLocal(token: string): Promise<LocalClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: LOCAL_ISSUER });
      return payload as unknown as LocalClaims;
    } catch (err) {
      throw tokenError(err);
    }
  }
}

export function tokenError(err: unknown): UnauthorizedException {
  if (err instanceof joseErrors.JWTExpired) return new UnauthorizedException('Token expired', { reason: 'token_expired' });
  if (err instanceof joseErrors.JWTClaimValidationFailed) return new UnauthorizedException('Token claims rejected', { reason: `invalid_${err.claim}` });
  return new UnauthorizedException('Invalid token', { reason: 'invalid_token' });
}
