import { ServiceUnavailableException, UnauthorizedException } from '@libs/errors';
import { Injectable, Optional } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { WebhookSecretResolver } from '../service-secret.resolvers';

export const SIGNATURE_HEADER = 'x-agentcy-signature';
export const TIMESTAMP_HEADER = 'x-agentcy-timestamp';
/** A timestamped delivery older (or newer) than this is refused, and its signature is remembered this long. */
export const REPLAY_WINDOW_MS = 5 * 60_000;
/** The only accepted form of the signature header (after trimming and lower-casing). */
export const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/;
/** The accepted form of the timestamp header: unix seconds. */
export const TIMESTAMP_FORMAT = /^\d{1,12}$/;

/** Whether a well-formed timestamp is within REPLAY_WINDOW_MS of now, in either direction. */
export function timestampFresh(timestamp: string): boolean {
  return Math.abs(Date.now() - Number(timestamp) * 1000) <= REPLAY_WINDOW_MS;
}

/** What `firstSeen` remembers of a timestamped delivery: the caller's subject and its signature. */
export function replayId(subject: string, signature: string): string {
  return `${subject}:${signature}`;
}

export function signWebhookBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** `sha256=HMAC(secret, "<timestamp>.<body>")`: the timestamped scheme (inbound and outbound). */
export function signTimestampedBody(secret: string, timestamp: string, body: Buffer | string): string {
  return signWebhookBody(secret, Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]));
}

/**
 * Whether `signature` (already checked to be `sha256=<64 lowercase hex>`) is the HMAC of `body`
 * (with `timestamp`: of `"<timestamp>.<body>"`) under `secret`: the two 32-byte digests compared in
 * constant time (their length is fixed, so nothing leaks through it).
 */
export function signatureMatches(
  secret: string,
  body: Buffer,
  signature: string,
  timestamp: string | undefined,
): boolean {
  const mac = createHmac('sha256', secret);
  if (timestamp !== undefined) {
    mac.update(`${timestamp}.`);
  }
  return timingSafeEqual(mac.update(body).digest(), Buffer.from(signature.slice(7), 'hex'));
}

/**
 * `X-Agentcy-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` over `req.rawBody`
 * (kept by the body parsers). With `X-Agentcy-Timestamp: <unix seconds>` the signature covers
 * `"<timestamp>.<body>"`, the timestamp must be within REPLAY_WINDOW_MS of now, and the same
 * signature is accepted once in that window (when the resolver implements `firstSeen`).
 * The secret comes from the WebhookSecretResolver exported by the module that owns `/hooks/*`;
 * without one, these routes answer 503 `auth_strategy_unavailable`. The resolver may refuse a
 * request itself (404 unknown trigger, 413, 429) and hears of every refused signature (`rejected`).
 */
@Injectable()
export class WebhookSignatureStrategy extends PassportStrategy(CustomStrategy, 'agentcy-webhook') {
  readonly kind = 'webhook' as const;

  constructor(@Optional() private readonly resolver?: WebhookSecretResolver) {
    super();
  }

  async validate(req: Request & { rawBody?: Buffer }): Promise<ServiceCaller> {
    const resolver = this.resolver;
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
    const refuse = async (reason: string, message = 'Invalid signature'): Promise<never> => {
      await resolver.rejected?.(req, found, reason);
      throw new UnauthorizedException(message, { reason }, 'invalid_signature');
    };
    const header = req.header(SIGNATURE_HEADER);
    if (!header) {
      return refuse('missing_signature', 'Missing signature');
    }
    const signature = header.trim().toLowerCase();
    if (!SIGNATURE_FORMAT.test(signature)) {
      return refuse('malformed_signature');
    }
    const body = req.rawBody ?? Buffer.alloc(0);
    const timestamp = req.header(TIMESTAMP_HEADER)?.trim();
    if (timestamp !== undefined) {
      if (!TIMESTAMP_FORMAT.test(timestamp)) {
        return refuse('malformed_timestamp');
      }
      if (!timestampFresh(timestamp)) {
        return refuse('stale_timestamp', 'Signature timestamp is outside the replay window');
      }
    }
    if (!signatureMatches(found.secret, body, signature, timestamp)) {
      return refuse('signature_mismatch');
    }
    if (
      timestamp !== undefined &&
      resolver.firstSeen &&
      !(await resolver.firstSeen(replayId(found.subject, signature), REPLAY_WINDOW_MS))
    ) {
      return refuse('replayed', 'This signed delivery was already received');
    }
    return { kind: 'webhook', orgId: found.orgId, subject: found.subject, claims: found.claims };
  }
}
