import type { SessionRef } from '@libs/auth/principal';
import { PrincipalChanges } from '@libs/auth/principal-changes';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';

/**
 * Sessions ended by `POST /auth/logout`: a deny-list in Redis keyed by the session id, kept only
 * until the token would have expired anyway, so it never grows beyond the live tokens.
 * Shared by every replica; read through PrincipalCache (a logout is announced to every replica).
 */
@Injectable()
export class SessionRevocations {
  constructor(
    private readonly redis: RedisService,
    private readonly changes: PrincipalChanges,
  ) {}

  async revoke(session: SessionRef): Promise<void> {
    const ttl = session.expiresAt - Math.floor(Date.now() / 1000);
    if (ttl > 0) {
      await this.redis.client.set(this.key(session.id), '1', 'EX', ttl);
      await this.changes.announce('session', session.id);
    }
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return (await this.redis.client.exists(this.key(sessionId))) === 1;
  }

  private key(sessionId: string): string {
    return this.redis.key('auth', 'ended', sessionId);
  }
}
