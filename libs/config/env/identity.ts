import type { EnvVar } from '../env-var';

/** Encryption, authentication (local, OIDC), workers, orgs, the seeded admin, rate limits. */
export const IDENTITY_VARS: readonly EnvVar[] = [
  {
    name: 'ENCRYPTION_KEY',
    kind: 'string',
    requiredInProduction: true,
    secret: true,
    description: '32-byte base64 key for secrets at rest (AES-256-GCM). Development derives one from a fixed string.',
  },
  {
    name: 'AUTH_PROVIDER',
    kind: 'enum',
    values: ['local', 'oidc'],
    default: 'local',
    description:
      '`local` (HS256 with JWT_SECRET) or `oidc` (RS256 via JWKS). Local tokens are accepted in both modes when JWT_SECRET is set.',
  },
  {
    name: 'JWT_SECRET',
    kind: 'string',
    requiredInProduction: true,
    secret: true,
    description: 'HS256 signing key, at least 32 characters. Development uses a fixed insecure default.',
  },
  { name: 'JWT_EXPIRY_SECS', kind: 'int', default: '86400', min: 60, description: 'Lifetime of local tokens.' },
  { name: 'JWKS_URL', kind: 'url', description: 'OIDC key set URL (required when AUTH_PROVIDER=oidc).' },
  {
    name: 'JWT_ISSUER',
    kind: 'string',
    description: 'Expected `iss` of OIDC tokens (required when AUTH_PROVIDER=oidc).',
  },
  { name: 'JWT_AUDIENCE', kind: 'string', default: 'agentcy', description: 'Expected `aud` of OIDC tokens.' },
  {
    name: 'JWKS_TTL_SECS',
    kind: 'int',
    default: '3600',
    min: 1,
    description: 'JWKS cache lifetime; an unknown `kid` refetches earlier.',
  },
  {
    name: 'OIDC_CLAIM_ORG_ID',
    kind: 'string',
    default: 'https://agentcy.dev/org_id',
    description: 'Claim that carries the org id.',
  },
  {
    name: 'OIDC_CLAIM_ROLE',
    kind: 'string',
    default: 'https://agentcy.dev/role',
    description: 'Claim that carries the role.',
  },
  {
    name: 'OIDC_JIT_ORG',
    kind: 'bool',
    default: 'false',
    description: 'Create an org for OIDC users whose token has no org claim.',
  },
  { name: 'OIDC_AUTHORIZE_URL', kind: 'url', description: 'IdP authorization endpoint for GET /auth/oidc/login.' },
  { name: 'OIDC_TOKEN_URL', kind: 'url', description: 'IdP token endpoint for GET /auth/oidc/callback.' },
  { name: 'OIDC_CLIENT_ID', kind: 'string', description: 'OIDC client id for the login callbacks.' },
  { name: 'OIDC_CLIENT_SECRET', kind: 'string', secret: true, description: 'OIDC client secret (optional with PKCE).' },
  {
    name: 'WORKER_TOKEN',
    kind: 'string',
    secret: true,
    description: 'Shared secret of worker daemons on /workers daemon routes; unset disables them.',
  },
  {
    name: 'WORKER_LEASE_SECS',
    kind: 'int',
    default: '60',
    min: 2,
    max: 3600,
    description: 'Lease of a claimed worker job; renewed by heartbeats, expired leases return the job to the queue.',
  },
  {
    name: 'WORKER_HEARTBEAT_SECS',
    kind: 'int',
    default: '15',
    min: 1,
    max: 600,
    description: 'Heartbeat interval told to worker daemons; stale after 3 missed intervals, offline after 5.',
  },
  {
    name: 'ORG_PURGE_AFTER_DAYS',
    kind: 'int',
    default: '30',
    min: 0,
    max: 3650,
    description:
      'Days a deleted org (DELETE /platform/orgs/:id) can still be restored before its data is purged (the purge runs hourly).',
  },
  {
    name: 'SEED_ADMIN',
    kind: 'bool',
    default: 'true',
    description:
      'Seed admin@localhost (owner of org `default`, platform admin) when no user exists; password ADMIN_PASSWORD, or `admin` outside production.',
  },
  {
    name: 'ADMIN_PASSWORD',
    kind: 'string',
    secret: true,
    description:
      'Password of the seeded admin@localhost (at least 8 characters); required when SEED_ADMIN=true and NODE_ENV=production.',
  },
  {
    name: 'REGISTRATION',
    kind: 'enum',
    values: ['open', 'invite', 'closed'],
    description:
      'Local self-registration: `open` (anyone may create an org), `invite` (only with an invite token), `closed` (no new local accounts: register and invite accept answer 403). Default: `open`, `invite` when NODE_ENV=production.',
  },
  {
    name: 'RATE_LIMIT_PER_MIN',
    kind: 'int',
    default: '600',
    min: 1,
    description: 'Requests per minute per caller (user or API key).',
  },
  {
    name: 'LOGIN_RATE_LIMIT_PER_MIN',
    kind: 'int',
    default: '10',
    min: 1,
    description: 'Login attempts per minute per IP and per account.',
  },
  {
    name: 'AUTH_CACHE_TTL_MS',
    kind: 'int',
    default: '5000',
    min: 0,
    max: 60000,
    description:
      'How long a replica may reuse a verified caller (user row, API key, logout check) without reading it again. Every change to a user, org or API key and every logout is announced to all replicas through Redis, which drops the entry at once; the TTL only bounds an announcement lost while Redis was unreachable. 0 reads them on every request.',
  },
  {
    name: 'AUTH_ANON_RATE_LIMIT_PER_MIN',
    kind: 'int',
    default: '30',
    min: 1,
    description:
      'Requests per minute per client IP to the anonymous auth routes together (login, register, reset-password, invite accept, OIDC login/callback).',
  },
  {
    name: 'PASSWORD_HASH_CONCURRENCY',
    kind: 'int',
    default: '2',
    min: 1,
    max: 64,
    description: 'Password hashes/verifications (argon2id) computed at once per process; others wait in a queue.',
  },
  {
    name: 'PASSWORD_HASH_QUEUE_MAX',
    kind: 'int',
    default: '64',
    min: 0,
    description:
      'Password hashes that may wait for a slot; beyond it the request answers 503 `server_busy` (Retry-After).',
  },
];
