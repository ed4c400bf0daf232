import { ServiceUnavailableException, UnauthorizedException } from '@libs/errors';
import { Injectable, Optional } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { SharedSecretResolver } from '../service-secret.resolvers';
import { constantTimeEqual } from './constant-time';

export const SHARED_SECRET_HEADER = 'x-agentcy-secret';

/**
 * `X-Agentcy-Secret: <secret>` or `?secret=<secret>`, compared in constant time with the secret
 * from the SharedSecretResolver exported by the module that owns `/chat/incoming/*`.
 */
@Injectable()
export class SharedSecretStrategy extends PassportStrategy(CustomStrategy, 'agentcy-shared-secret') {
  readonly kind = 'shared_secret' as const;

  constructor(@Optional() private readonly resolver?: SharedSecretResolver) {
    super();
  }

  async validate(req: Request): Promise<ServiceCaller> {
    const q = req.query?.secret;
    const given = req.header(SHARED_SECRET_HEADER) ?? (typeof q === 'string' ? q : undefined);
    if (!given) {
      throw new UnauthorizedException('Missing shared secret', { reason: 'missing_secret' });
    }
    if (!this.resolver) {
      throw new ServiceUnavailableException(
        'No shared-secret resolver is registered',
        undefined,
        'auth_strategy_unavailable',
      );
    }
    const found = await this.resolver.resolve(req);
    if (!found || !constantTimeEqual(given, found.secret)) {
      throw new UnauthorizedException('Invalid shared secret', { reason: 'invalid_secret' });
    }
    return { kind: 'shared_secret', orgId: found.orgId, subject: found.subject, claims: found.claims };
  }
}
