import { ServiceUnavailableException, UnauthorizedException } from '@libs/errors';
import { Injectable, Optional } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { createHmac } from 'node:crypto';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { WebhookSecretResolver } from '../service-secret.resolvers';
import { constantTimeEqual } from './constant-time';

export const SIGNATURE_HEADER = 'x-agentcy-signature';

export function signWebhookBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * `X-Agentcy-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` over `req.rawBody`
 * (kept by the body parsers). The secret comes from the WebhookSecretResolver exported by the
 * module that owns `/hooks/*`; without one, these routes answer 503 `auth_strategy_unavailable`.
 */
@Injectable()
export class WebhookSignatureStrategy extends PassportStrategy(CustomStrategy, 'agentcy-webhook') {
  readonly kind = 'webhook' as const;

  constructor(@Optional() private readonly resolver?: WebhookSecretResolver) {
    super();
  }

  async validate(req: Request & { rawBody?: Buffer }): Promise<ServiceCaller> {
    const header = req.header(SIGNATURE_HEADER);
    if (!header) {
      throw new UnauthorizedException('Missing signature', { reason: 'missing_signature' }, 'invalid_signature');
    }
    if (!this.resolver) {
      throw new ServiceUnavailableException(
        'No webhook secret resolver is registered',
        undefined,
        'auth_strategy_unavailable',
      );
    }
    const found = await this.resolver.resolve(req);
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
