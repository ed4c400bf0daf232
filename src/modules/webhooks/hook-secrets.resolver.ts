import { clientIp } from '@libs/audit/request-meta';
import { ResolvedServiceSecret, WebhookSecretResolver } from '@libs/auth/service-secret.resolvers';
import { AppConfig } from '@libs/config';
import { sha256Hex } from '@libs/crypto';
import { AppException, NotFoundException, RateLimitedException } from '@libs/errors';
import { RateLimitService } from '@libs/rate-limit';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { HookIntake } from './hook-intake.service';
import { HookTriggers } from './hook-triggers';
import { HookClaims } from './inbound-call';

type RawRequest = Request & { rawBody?: Buffer };

/** The service-caller subject of a trigger's calls (its caller rate-limit bucket and replay ids use it). */
export function hookSubject(triggerId: string): string {
  return `webhook:${triggerId}`;
}

/** The per-trigger rate-limit bucket (HOOK_RATE_LIMIT_PER_MIN). */
export function hookBucket(triggerId: string): string {
  return `hook:${triggerId}`;
}

/**
 * The secret behind `/hooks/:trigger_id` for the webhook signature strategy (the slow lane: calls
 * the fast lane of HookEdge does not take), read through HookTriggers. Refuses unknown
 * and disabled triggers (404), bodies over HOOK_MAX_BODY_BYTES (413) and calls over the per-trigger
 * rate limit (429) before any signature work, and logs every refusal of a known trigger
 * (no body or headers kept).
 */
@Injectable()
export class HookSecrets extends WebhookSecretResolver {
  constructor(
    private readonly triggers: HookTriggers,
    private readonly intake: HookIntake,
    private readonly limits: RateLimitService,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async resolve(req: RawRequest): Promise<ResolvedServiceSecret | null> {
    const id = (req.params as Record<string, string | undefined>)?.trigger_id ?? '';
    const found = await this.triggers.load(id);
    if (!found) {
      throw new NotFoundException('Webhook');
    }
    if (!found.enabled) {
      await this.intake.reject(found.orgId, id, this.meta(req), 'disabled', 'disabled', 404);
      throw new NotFoundException('Webhook');
    }
    const max = this.config.webhooks.maxBodyBytes;
    const size = req.rawBody ? req.rawBody.length : await readRawBody(req, max);
    if (size > max) {
      await this.intake.reject(found.orgId, id, this.meta(req), 'body_too_large', 'body_too_large', 413);
      throw new AppException(413, 'payload_too_large', `Request body is larger than ${max} bytes`);
    }
    const rl = await this.limits.hit(hookBucket(id), this.config.webhooks.rateLimitPerMin);
    if (!rl.allowed) {
      // not logged: a flood must not turn into one row per refused call
      throw new RateLimitedException(rl.retryAfterSecs);
    }
    const claims: HookClaims = { trigger_id: id, target: found.target };
    return {
      secret: found.secret,
      orgId: found.orgId,
      subject: hookSubject(id),
      claims: claims as unknown as Record<string, unknown>,
    };
  }

  override async rejected(req: RawRequest, found: ResolvedServiceSecret, reason: string): Promise<void> {
    const claims = found.claims as unknown as HookClaims;
    await this.intake.reject(found.orgId!, claims.trigger_id, this.meta(req), 'invalid_signature', reason, 401);
  }

  override async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    const r = await this.redis.client.set(this.replayKey(key), '1', 'PX', ttlMs, 'NX');
    return r === 'OK';
  }

  /** The Redis key that remembers a timestamped signature (`firstSeen`; the fast lane sets it too). */
  replayKey(key: string): string {
    return this.redis.key('hook-sig', sha256Hex(key));
  }

  private meta(req: RawRequest) {
    return {
      contentType: req.header('content-type') ?? null,
      sizeBytes: req.rawBody?.length ?? Number(req.header('content-length') ?? 0),
      sourceIp: clientIp(req),
    };
  }
}

/**
 * Bodies the parsers leave alone (multipart, no content type) are read here, up to `max` + 1
 * bytes, into `req.rawBody`; returns the size read (over `max` means too large).
 */
async function readRawBody(req: RawRequest, max: number): Promise<number> {
  if (
    !req.readable ||
    (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)
  ) {
    req.rawBody = Buffer.alloc(0);
    return 0;
  }
  return new Promise<number>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) {
        chunks.push(chunk);
      } else if (size > 4 * max) {
        // drained far enough to answer 413 to an honest client; a hostile one is cut off
        req.destroy();
        resolve(size);
      }
    });
    req.on('end', () => {
      if (size <= max) {
        req.rawBody = Buffer.concat(chunks);
      }
      resolve(size);
    });
    req.on('error', reject);
  });
}
