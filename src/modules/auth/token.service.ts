import type { Role } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
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
 * Issues local HS256 tokens (verified by LocalJwtStrategy). Every token has a unique `jti` (the
 * session that `POST /auth/logout` ends) and `tv` (compared with users.token_version on every request).
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
}
