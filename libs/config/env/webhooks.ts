import type { EnvVar } from '../env-var';

/** Inbound `/hooks` and outbound webhook delivery. */
export const WEBHOOKS_VARS: readonly EnvVar[] = [
  {
    name: 'HOOK_MAX_BODY_BYTES',
    kind: 'int',
    default: '1048576',
    min: 1024,
    description:
      'Largest body `POST /hooks/:trigger_id` accepts (413 above); BODY_LIMIT_BYTES still caps every request first.',
  },
  {
    name: 'HOOK_RATE_LIMIT_PER_MIN',
    kind: 'int',
    default: '600',
    min: 1,
    description: 'Calls per minute one inbound webhook trigger (`/hooks/:trigger_id`) accepts before answering 429.',
  },
  {
    name: 'HOOK_INBOX_CONSUMER',
    kind: 'bool',
    default: 'true',
    description:
      'Whether this process turns the `/hooks` calls accepted on the fast lane (kept in a Redis stream) into their delivery and run rows. Keep it on in at least one API or worker process; `src/worker.ts` always consumes.',
  },
  {
    name: 'WEBHOOK_DELIVERY_ATTEMPTS',
    kind: 'int',
    default: '8',
    min: 1,
    max: 50,
    description: 'Attempts of an outbound webhook delivery before it is dead-lettered (`status: dead`).',
  },
  {
    name: 'WEBHOOK_RETRY_BASE_MS',
    kind: 'int',
    default: '10000',
    min: 1,
    description:
      'Base delay of the exponential backoff between outbound delivery attempts (full jitter: a random delay up to base × 2^(attempt-1), capped by WEBHOOK_RETRY_MAX_MS).',
  },
  {
    name: 'WEBHOOK_RETRY_MAX_MS',
    kind: 'int',
    default: '3600000',
    min: 1,
    description: 'Upper bound of one backoff delay between outbound delivery attempts.',
  },
  {
    name: 'WEBHOOK_DELIVERY_TIMEOUT_MS',
    kind: 'int',
    default: '10000',
    min: 100,
    description: 'Timeout of one outbound webhook delivery attempt (connect + response).',
  },
  {
    name: 'WEBHOOK_DISPATCH',
    kind: 'bool',
    default: 'true',
    description:
      'Whether this process runs the outbound webhook dispatcher loop (on in every API and worker process by default).',
  },
  {
    name: 'WEBHOOK_DISPATCH_INTERVAL_MS',
    kind: 'int',
    default: '1000',
    min: 10,
    description: 'How often every API/worker process polls the PostgreSQL outbox for due outbound deliveries.',
  },
  {
    name: 'WEBHOOK_LEASE_MS',
    kind: 'int',
    default: '60000',
    min: 100,
    description:
      'How long a claimed outbound delivery stays leased to one process; a process killed mid-delivery leaves it to another after this.',
  },
];
