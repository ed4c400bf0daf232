import type { EnvVar } from '../env-var';

/** Process and HTTP server. */
export const SERVER_VARS: readonly EnvVar[] = [
  {
    name: 'NODE_ENV',
    kind: 'enum',
    values: ['development', 'test', 'production'],
    default: 'development',
    description: 'Runtime mode; `production` turns development defaults for secrets into boot errors.',
  },
  { name: 'PORT', kind: 'int', default: '8080', min: 1, max: 65535, description: 'HTTP port.' },
  { name: 'HOST', kind: 'string', default: '0.0.0.0', description: 'Interface the HTTP server binds to.' },
  {
    name: 'V8_HEAP_GROWING_PERCENT',
    kind: 'int',
    default: '20',
    min: 0,
    max: 400,
    description:
      "How far V8 lets the heap grow past the live data after a full collection, in percent (V8's `--heap-growing-percent`, set at boot). Lower keeps the process smaller for a little more collection work; `0` leaves V8's own factor (up to 4×). See docs/decisions/0014-v8-heap-growing.md.",
  },
  {
    name: 'PUBLIC_BASE_URL',
    kind: 'url',
    default: 'http://localhost:8080',
    description: 'Public URL of this API, used to build webhook, OAuth callback and preview URLs.',
  },
  {
    name: 'FRONTEND_URL',
    kind: 'url',
    default: 'http://localhost:3000',
    description: 'Admin console URL (OAuth/OIDC redirects land there).',
  },
  {
    name: 'CORS_ORIGINS',
    kind: 'list',
    default: '',
    description: 'Comma-separated allowed CORS origins; empty means FRONTEND_URL only.',
  },
  {
    name: 'LOG_LEVEL',
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description: 'Structured JSON log level.',
  },
  {
    name: 'BODY_LIMIT_BYTES',
    kind: 'int',
    default: '1048576',
    min: 1024,
    description: 'Maximum JSON request body size; larger bodies get 413.',
  },
  {
    name: 'SHUTDOWN_GRACE_MS',
    kind: 'int',
    default: '10000',
    min: 0,
    description: 'How long SIGTERM waits for in-flight requests before closing pools.',
  },
];
