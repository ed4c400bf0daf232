export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who is calling. Services take it as their first argument; it never carries HTTP objects. */
export interface Principal {
  kind: 'user' | 'api_key';
  userId: string;
  orgId: string;
  role: Role;
  email: string;
  apiKeyId?: string;
  platformAdmin: boolean;
  authProvider: 'local' | 'oidc';
  /** the bearer token's session (JWTs only; API keys have none): what `POST /auth/logout` ends */
  session?: SessionRef;
}

/** A JWT session: a stable id (local: `jti`; OIDC: hash of the token) and its expiry (epoch seconds). */
export interface SessionRef {
  id: string;
  expiresAt: number;
}

/** Identity of non-user callers (worker daemons, signed webhooks, pipeline agents, preview iframes). */
export interface ServiceCaller {
  kind: 'worker' | 'webhook' | 'shared_secret' | 'pipeline' | 'preview' | 'metrics';
  orgId?: string;
  subject: string;
  claims?: Record<string, unknown>;
}
