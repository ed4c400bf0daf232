import { ServiceUnavailableException, UnauthorizedException } from '@libs/errors';
import type { Request } from 'express';
import { createHmac } from 'node:crypto';
import type { ServiceAuthStrategy } from '../auth-strategy';
import type { ServiceCaller } from '../principal';
import type { WebhookSecretResolver } from '../service-secret.resolvers';
import { constantTimeEqual } from './constant-time';

export const SIGNATURE_HEADER = 'x-agentcy-signature';

export function signWebhookBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * `X-Agentcy-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` over `req.rawBody`
 * (kept by the body parsers). The secret comes from the owning module's WebhookSecretResolver.
 */
export class WebhookSignatureStrategy implements ServiceAuthStrategy {
  readonly kind = 'webhook' as const;

  constructor(private readonly resolver: () => WebhookSecretResolver | undefined) {}

  async authenticate(req: Request & { rawBody?: Buffer }): Promise<ServiceCaller> {
    const header = req.header(SIGNATURE_HEADER);
    if (!header) {
      throw new UnauthorizedException('Missing signature', { reason: 'missing_signature' }, 'invalid_signature');
    }
    const resolver = this.resolver();
    if (!resolver) {
      throw new ServiceUnavailableException(
        'No webhook secret resolver is registered',
        undefined,
        'auth_strategy_unavailable',
      );
    }
    const found = await resolver.resolve(req);
    if (!found) {
      throw new UnauthorizedException('Invalid signature', { reason: 'unknown_webhook' }, 'invalid_signature');
    }
    const expected = signWebhookBody(found.secret, req.rawBody ?? Buffer.alloc(0));
    if (!constantTimeEqual(header.trim().toLowerCase(), expected)) {
      throw new UnauthorizedException('Invalid signature', { reason: 'signature_mismatch' }, 'invalid_signature');
    }
    return { kind: 'webhook', orgId: found.orgId, subject: found.subject, claims: found.claims };
  }
}
