import { PrincipalResolver } from '@libs/auth/auth-strategy';
import { attachBearer, authenticateWith, type CredentialStrategy } from '@libs/auth/passport/run-strategy';
import type { Principal } from '@libs/auth/principal';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { decodeProtectedHeader } from 'jose';
import type { IncomingMessage } from 'node:http';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { LocalJwtStrategy } from './strategies/local-jwt.strategy';
import { OidcJwtStrategy } from './strategies/oidc-jwt.strategy';

/** Header algorithm of a JWT, without verifying anything (undefined when it is not a JWT). */
export function jwtAlgorithm(token: string): string | undefined {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

/**
 * Bearer credential → principal (auth.md §1). The token itself picks the one Passport strategy
 * that may verify it, and that strategy pins its algorithm:
 * - `ak_…` → API key (ApiKeyStrategy);
 * - JWT with `alg: HS256` → local session (LocalJwtStrategy, JWT_SECRET, HS256 only);
 * - JWT with `alg: RS256` → OIDC token (OidcJwtStrategy, JWKS, RS256 only) when OIDC is configured;
 * - anything else (`alg: none`, ES256, garbage) → 401 without running any strategy.
 * So an HS256 token signed with the IdP's public key can only ever meet JWT_SECRET, and an RS256
 * token only the JWKS: algorithm confusion is impossible by construction.
 */
@Injectable()
export class BearerPrincipalResolver extends PrincipalResolver {
  constructor(
    private readonly apiKeys: ApiKeyStrategy,
    private readonly local: LocalJwtStrategy,
    private readonly oidc: OidcJwtStrategy,
  ) {
    super();
  }

  resolve(bearer: string, req: IncomingMessage): Promise<Principal> {
    let strategy: CredentialStrategy;
    try {
      strategy = this.strategyFor(bearer);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    attachBearer(req, bearer);
    return authenticateWith<Principal>(strategy, req);
  }

  /** The strategy for this credential, chosen from the credential alone. */
  strategyFor(bearer: string): CredentialStrategy {
    if (bearer.startsWith('ak_')) {
      return this.apiKeys;
    }
    // verified before with HS256 pinned: no need to decode its header again
    if (this.local.verifiedBefore(bearer)) {
      return this.local;
    }
    const alg = jwtAlgorithm(bearer);
    if (alg === 'HS256') {
      return this.local;
    }
    if (alg === 'RS256' && this.oidc.enabled) {
      return this.oidc;
    }
    throw new UnauthorizedException('Invalid token', { reason: alg ? 'unsupported_algorithm' : 'malformed_token' });
  }
}
