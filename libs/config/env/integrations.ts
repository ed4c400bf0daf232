import type { EnvVar } from '../env-var';

/** OAuth apps, e-mail, WhatsApp, notifications, recommendations, skills and memory. */
export const INTEGRATIONS_VARS: readonly EnvVar[] = [
  {
    name: 'OAUTH_GITHUB_CLIENT_ID',
    kind: 'string',
    description: 'GitHub OAuth app client id for /sources/oauth/github (a source config `client_id` overrides it).',
  },
  { name: 'OAUTH_GITHUB_CLIENT_SECRET', kind: 'string', secret: true, description: 'GitHub OAuth app client secret.' },
  {
    name: 'OAUTH_GITHUB_URL',
    kind: 'url',
    default: 'https://github.com',
    description:
      'GitHub web root for the OAuth flow (`/login/oauth/authorize`, `/login/oauth/access_token`); set it to a GitHub Enterprise Server URL.',
  },
  {
    name: 'OAUTH_GITHUB_API_URL',
    kind: 'url',
    description:
      'REST API root written as `base_url` into sources connected through GitHub OAuth (GitHub Enterprise Server: `https://<host>/api/v3`); unset = api.github.com.',
  },
  { name: 'OAUTH_GOOGLE_CLIENT_ID', kind: 'string', description: 'Google OAuth client id for /sources/oauth/google.' },
  { name: 'OAUTH_GOOGLE_CLIENT_SECRET', kind: 'string', secret: true, description: 'Google OAuth client secret.' },
  {
    name: 'SMTP_URL',
    kind: 'url',
    secret: true,
    description:
      'SMTP server for notification e-mail (`smtp://user:pass@host:587`, `smtps://…:465`); unset = no e-mail is sent. Install-level: orgs cannot set it.',
  },
  {
    name: 'SMTP_FROM',
    kind: 'string',
    default: 'Agentcy <no-reply@localhost>',
    description: 'Sender (`From:`) of notification e-mail.',
  },
  {
    name: 'WHATSAPP_GATEWAY_URL',
    kind: 'url',
    description:
      'Base URL of the operator-run WhatsApp gateway sidecar (QR pairing, sending; HTTP contract in docs/channels.md); unset = WhatsApp answers 503 `sidecar_unavailable`.',
  },
  {
    name: 'WHATSAPP_GATEWAY_TOKEN',
    kind: 'string',
    secret: true,
    description: 'Bearer token the API sends to the WhatsApp gateway.',
  },
  {
    name: 'WHATSAPP_GATEWAY_SIGNING_SECRET',
    kind: 'string',
    secret: true,
    description:
      'HMAC secret the WhatsApp gateway signs its inbound events with (`X-Agentcy-Signature`); unset = inbound WhatsApp events are refused (401).',
  },
  {
    name: 'NOTIFY_CHAT_APPROVAL_DELAY_SECS',
    kind: 'int',
    default: '120',
    min: 0,
    description:
      'A chat approval still pending after this many seconds notifies its requester (approvals of task runs and inbound turns notify at once).',
  },
  {
    name: 'TASK_RECOMMENDATIONS_STALE_SECS',
    kind: 'int',
    default: '3600',
    min: 0,
    description: 'Task recommendations older than this are recomputed when listed (events recompute them sooner).',
  },
  {
    name: 'SKILLS_CHAR_BUDGET',
    kind: 'int',
    default: '24000',
    min: 0,
    description:
      'Characters of skill bodies one conversation may add to the system prompt (agent skills + enabled skills; docs/skills.md).',
  },
  {
    name: 'MEMORY_RECALL_MAX_CANDIDATES',
    kind: 'int',
    default: '5000',
    min: 1,
    description:
      'Most recent memories (after the realm/kind filter) ranked in process by one recall; older ones are not considered (docs/memory.md).',
  },
  {
    name: 'MEMORY_COMPACTION_CRON',
    kind: 'string',
    default: '0 3 * * *',
    description:
      'When the memory compaction job runs (5-field cron, UTC; validated at boot; once per tick across every API and worker process): it hard-deletes memories deleted more than MEMORY_TOMBSTONE_RETENTION_DAYS ago, with their graph nodes (docs/memory.md). Set empty or `off` to disable it.',
  },
  {
    name: 'MEMORY_TOMBSTONE_RETENTION_DAYS',
    kind: 'int',
    default: '30',
    min: 1,
    max: 36500,
    description:
      'Days a deleted memory (tombstone: row with `deleted_at` and its `:Memory` node) is kept before the compaction job removes it.',
  },
];
