import type { Request } from 'express';

/** What an owning module knows about the secret a signed request must match. */
export interface ResolvedServiceSecret {
  secret: string;
  orgId?: string;
  /** e.g. `webhook:<id>`; becomes ServiceCaller.subject */
  subject: string;
  claims?: Record<string, unknown>;
}

/**
 * Provided by the module that owns `/hooks/*` (e.g. `{ provide: WebhookSecretResolver, useClass: HookSecrets }`):
 * finds the per-webhook secret for a request (from `req.params`), or null when there is no such webhook.
 */
export abstract class WebhookSecretResolver {
  /** May also refuse the request itself by throwing (unknown or disabled trigger, body too large, rate limit). */
  abstract resolve(req: Request): Promise<ResolvedServiceSecret | null>;
  /** Hears of a refused signature of a known webhook (`missing_signature`, `stale_timestamp`, ...) before the 401. */
  rejected?(req: Request, found: ResolvedServiceSecret, reason: string): Promise<void>;
  /** True the first time `key` is seen within `ttlMs`: a timestamped signed delivery is accepted once. */
  firstSeen?(key: string, ttlMs: number): Promise<boolean>;
}

/** Provided by the module that owns `/chat/incoming/*`: the per-channel/form shared secret, or null. */
export abstract class SharedSecretResolver {
  abstract resolve(req: Request): Promise<ResolvedServiceSecret | null>;
}
