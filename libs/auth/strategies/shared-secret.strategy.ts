import { ServiceUnavailableException, UnauthorizedException } from '@libs/errors';
import type { Request } from 'express';
import type { ServiceAuthStrategy } from '../auth-strategy';
import type { ServiceCaller } from '../principal';
import type { SharedSecretResolver } from '../service-secret.resolvers';
import { constantTimeEqual } from './constant-time';

export const SHARED_SECRET_HEADER = 'x-agentcy-secret';

/** `X-Agentcy-Secret: <secret>` or `?secret=<secret>`, compared in constant time with the resolver's secret. */
export class SharedSecretStrategy implements ServiceAuthStrategy {
  readonly kind = 'shared_secret' as const;

  constructor(private readonly resolver: () => SharedSecretResolver | undefined) {}

  async authenticate(req: Request): Promise<ServiceCaller> {
    const q = req.query?.secret;
    const given = req.header(SHARED_SECRET_HEADER) ?? (typeof q === 'string' ? q : undefined);
    if (!given) {
      throw new UnauthorizedException('Missing shared secret', { reason: 'missing_secret' });
    }
    const resolver = this.resolver();
    if (!resolver) {
      throw new ServiceUnavailableException(
        'No shared-secret resolver is registered',
        undefined,
        'auth_strategy_unavailable',
      );
    }
    const found = await resolver.resolve(req);
    if (!found || !constantTimeEqual(given, found.secret)) {
      throw new UnauthorizedException('Invalid shared secret', { reason: 'invalid_secret' });
    }
    return { kind: 'shared_secret', orgId: found.orgId, subject: found.subject, claims: found.claims };
  }
}
