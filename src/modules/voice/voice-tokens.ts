import { RedisService } from '@libs/redis';
import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';

/** Lifetime of the token in `ws_url` (spec: single-use, 60 s until the socket opens). */
export const VOICE_TOKEN_TTL_SECS = 60;

/**
 * Single-use socket tokens. Only the SHA-256 of a token is stored, as a Redis key naming its
 * session (`SET NX EX 60`); the upgrade takes it with GETDEL, so a token opens at most one socket,
 * on any replica, and is gone after 60 s whether used or not.
 */
@Injectable()
export class VoiceTokens {
  constructor(private readonly redis: RedisService) {}

  private key(token: string): string {
    return this.redis.key('voice', 'token', createHash('sha256').update(token).digest('hex'));
  }

  async issue(orgId: string, sessionId: string): Promise<string> {
    const token = `vst_${randomBytes(32).toString('base64url')}`;
    const ok = await this.redis.client.set(this.key(token), `${orgId}/${sessionId}`, 'EX', VOICE_TOKEN_TTL_SECS, 'NX');
    if (ok !== 'OK') {
      throw new Error('voice token collision');
    }
    return token;
  }

  /** Consumes the token: the org and session it was issued for, or null when unknown/used/expired (spent either way). */
  async consume(token: string): Promise<{ orgId: string; sessionId: string } | null> {
    if (!/^vst_[A-Za-z0-9_-]{43}$/.test(token)) {
      return null;
    }
    const value = await this.redis.client.getdel(this.key(token));
    const [orgId, sessionId] = (value ?? '').split('/');
    return orgId && sessionId ? { orgId, sessionId } : null;
  }
}
