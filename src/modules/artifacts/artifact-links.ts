import { AppConfig } from '@libs/config';
import { safeEqual } from '@libs/crypto';
import { Injectable } from '@nestjs/common';
import { createHmac, hkdfSync } from 'node:crypto';

export type LinkCheck = 'ok' | 'invalid' | 'expired';

/**
 * Signed, expiring download links: `…/artifacts/<id>/content?expires=<epoch s>&sig=<HMAC>`. The
 * HMAC covers the artifact id and the expiry under a key derived from the install's
 * ENCRYPTION_KEY for this purpose only, so a link opens one artifact until it expires.
 */
@Injectable()
export class ArtifactLinkSigner {
  private readonly key: Buffer;

  constructor(private readonly config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.encryptionKey, Buffer.alloc(0), 'agentcy:artifact-links:v1', 32));
  }

  signature(artifactId: string, expiresEpochSecs: number): string {
    return createHmac('sha256', this.key).update(`${artifactId}\n${expiresEpochSecs}`).digest('base64url');
  }

  /** A fresh link valid for ARTIFACT_LINK_TTL_SECS (or until `expiresAt` when given). */
  sign(artifactId: string, expiresAt?: Date): { url: string; expiresAt: Date } {
    const exp = Math.floor((expiresAt?.getTime() ?? Date.now() + this.config.artifacts.linkTtlSecs * 1000) / 1000);
    const sig = this.signature(artifactId, exp);
    return {
      url: `${this.config.publicBaseUrl}/api/v1/artifacts/${encodeURIComponent(artifactId)}/content?expires=${exp}&sig=${sig}`,
      expiresAt: new Date(exp * 1000),
    };
  }

  /** Signature first: a forged link is `invalid` whatever its expiry says. */
  check(artifactId: string, expires: string | undefined, sig: string | undefined, now = Date.now()): LinkCheck {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires) || sig.length > 100) {
      return 'invalid';
    }
    if (!safeEqual(sig, this.signature(artifactId, Number(expires)))) {
      return 'invalid';
    }
    return Number(expires) * 1000 <= now ? 'expired' : 'ok';
  }
}
