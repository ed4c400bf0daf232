/**
 * The one list of environment variables the API reads. Boot validation, the typed
 * AppConfig and the README table are all derived from it, so they cannot drift.
 */
export type EnvKind = 'string' | 'int' | 'bool' | 'url' | 'enum' | 'list';

export interface EnvVar {
  name: string;
  kind: EnvKind;
  default?: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Required only when NODE_ENV=production (a development default is used otherwise). */
  requiredInProduction?: boolean;
  secret?: boolean;
  description: string;
}

export const ENV_VARS: readonly EnvVar[] = [
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

  {
    name: 'DATABASE_URL',
    kind: 'url',
    default: 'postgres://postgres@127.0.0.1:5432/agentcy',
    requiredInProduction: true,
    description: 'PostgreSQL connection string.',
  },
  {
    name: 'DATABASE_POOL_SIZE',
    kind: 'int',
    default: '10',
    min: 1,
    max: 200,
    description: 'PostgreSQL pool size per process.',
  },
  {
    name: 'MIGRATIONS_RUN',
    kind: 'bool',
    default: 'true',
    description: 'Run pending migrations at startup (under a PostgreSQL advisory lock).',
  },
  {
    name: 'REDIS_URL',
    kind: 'url',
    default: 'redis://127.0.0.1:6379',
    requiredInProduction: true,
    description: 'Redis connection string (queues, pub/sub, rate limits).',
  },
  {
    name: 'REDIS_PREFIX',
    kind: 'string',
    default: 'agentcy',
    description: 'Prefix of every Redis key and queue name (lets test runs share one Redis).',
  },
  { name: 'NEO4J_URI', kind: 'url', default: 'bolt://127.0.0.1:7687', description: 'Neo4j Bolt URI.' },
  { name: 'NEO4J_USER', kind: 'string', default: 'neo4j', description: 'Neo4j user.' },
  {
    name: 'NEO4J_PASSWORD',
    kind: 'string',
    default: 'password',
    secret: true,
    description: 'Neo4j password (the bundled local server runs with auth disabled).',
  },
  { name: 'NEO4J_DATABASE', kind: 'string', default: 'neo4j', description: 'Neo4j database name.' },
  {
    name: 'HEALTH_CACHE_MS',
    kind: 'int',
    default: '1000',
    min: 0,
    description:
      'How long GET /health reuses its last dependency probe (concurrent checks always share one probe); 0 probes on every request.',
  },
  {
    name: 'HEALTH_CHECK_TIMEOUT_MS',
    kind: 'int',
    default: '2000',
    min: 50,
    description: 'Per-dependency timeout of GET /health.',
  },
  {
    name: 'METRICS_TOKEN',
    kind: 'string',
    secret: true,
    description:
      'Bearer token of GET /metrics (Prometheus format, docs/metrics.md) on the API port; unset: that route answers 404.',
  },
  {
    name: 'METRICS_PORT',
    kind: 'int',
    min: 1,
    max: 65535,
    description: 'Serve GET /metrics without a token on a separate port (METRICS_HOST); unset: no separate listener.',
  },
  {
    name: 'METRICS_HOST',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Interface of the METRICS_PORT listener.',
  },

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

  { name: 'AGENTCY_FEATURES_RAG', kind: 'bool', default: 'true', description: 'Mounts /rag.' },
  { name: 'AGENTCY_FEATURES_WORKERS', kind: 'bool', default: 'false', description: 'Mounts the /workers user routes.' },
  { name: 'AGENTCY_FEATURES_ORCHESTRATOR', kind: 'bool', default: 'false', description: 'Mounts /orchestrator.' },
  {
    name: 'OPENFANG_URL',
    kind: 'url',
    description:
      'Base URL of the OpenFang sidecar (e.g. `http://openfang:3002`); `/orchestrator/*` forwards to `<url>/api/*`. Unset: 503 `sidecar_unavailable`.',
  },
  {
    name: 'OPENFANG_API_KEY',
    kind: 'string',
    secret: true,
    description: 'Service credential the `/orchestrator` gateway sends to OpenFang (`Authorization: Bearer`).',
  },
  { name: 'AGENTCY_FEATURES_VOICE', kind: 'bool', default: 'false', description: 'Mounts /voice.' },
  {
    name: 'VOICE_STT_PROVIDER',
    kind: 'enum',
    values: ['deepgram', 'openai'],
    default: 'deepgram',
    description:
      '/voice speech-to-text: `deepgram` (REST `/v1/listen`, needs DEEPGRAM_API_KEY) or `openai` (OpenAI-compatible `/audio/transcriptions` at VOICE_BASE_URL).',
  },
  {
    name: 'VOICE_TTS_PROVIDER',
    kind: 'enum',
    values: ['elevenlabs', 'openai'],
    default: 'elevenlabs',
    description:
      '/voice text-to-speech: `elevenlabs` (needs ELEVENLABS_API_KEY) or `openai` (OpenAI-compatible `/audio/speech` at VOICE_BASE_URL).',
  },
  {
    name: 'VOICE_BASE_URL',
    kind: 'url',
    description:
      'OpenAI-compatible speech endpoint base (e.g. `https://api.openai.com/v1`); the `openai` providers count as configured when it or VOICE_API_KEY is set.',
  },
  { name: 'VOICE_API_KEY', kind: 'string', secret: true, description: 'Bearer key of VOICE_BASE_URL.' },
  { name: 'VOICE_STT_MODEL', kind: 'string', default: 'whisper-1', description: '`openai` STT model.' },
  { name: 'VOICE_TTS_MODEL', kind: 'string', default: 'tts-1', description: '`openai` TTS model.' },
  {
    name: 'VOICE_TTS_VOICE',
    kind: 'string',
    default: 'alloy',
    description: '`openai` TTS voice (default of `voice_id`).',
  },
  { name: 'DEEPGRAM_API_KEY', kind: 'string', secret: true, description: 'Deepgram key (`deepgram` STT).' },
  {
    name: 'DEEPGRAM_BASE_URL',
    kind: 'url',
    default: 'https://api.deepgram.com',
    description: 'Deepgram API base (`/v1/listen` is appended).',
  },
  { name: 'DEEPGRAM_STT_MODEL', kind: 'string', default: 'nova-2', description: 'Deepgram model.' },
  { name: 'ELEVENLABS_API_KEY', kind: 'string', secret: true, description: 'ElevenLabs key (`elevenlabs` TTS).' },
  {
    name: 'ELEVENLABS_VOICE_ID',
    kind: 'string',
    description: 'Default ElevenLabs voice (a session may name its own).',
  },
  { name: 'ELEVENLABS_MODEL', kind: 'string', default: 'eleven_turbo_v2_5', description: 'ElevenLabs model id.' },
  {
    name: 'ELEVENLABS_BASE_URL',
    kind: 'url',
    default: 'https://api.elevenlabs.io',
    description: 'ElevenLabs API base (`/v1/text-to-speech/<voice_id>` is appended).',
  },
  {
    name: 'VOICE_MAX_DURATION_SECS',
    kind: 'int',
    default: '1800',
    min: 1,
    max: 86400,
    description: 'Longest voice session; a session may ask for less (`limits.max_duration_secs`).',
  },
  {
    name: 'VOICE_IDLE_TIMEOUT_SECS',
    kind: 'int',
    default: '120',
    min: 1,
    max: 86400,
    description: 'A voice socket with no client frame and no turn in progress for this long ends (`idle`).',
  },
  {
    name: 'VOICE_VAD_SILENCE_MS',
    kind: 'int',
    default: '700',
    min: 100,
    max: 10000,
    description: 'Silence (audio time) that ends an utterance for the server-side VAD.',
  },
  {
    name: 'VOICE_VAD_THRESHOLD',
    kind: 'int',
    default: '500',
    min: 1,
    max: 32767,
    description: 'RMS level (PCM16) above which a 20 ms window counts as speech.',
  },
  {
    name: 'VOICE_PROVIDER_TIMEOUT_MS',
    kind: 'int',
    default: '30000',
    min: 100,
    description: 'Timeout of one STT or TTS request.',
  },
  {
    name: 'VOICE_SWEEP_INTERVAL_MS',
    kind: 'int',
    default: '15000',
    min: 100,
    max: 3600000,
    description:
      'Interval of the /voice session sweeper: active sessions whose process is gone (its CHAT_INSTANCE_TTL_MS presence lapsed) end `ended`/`interrupted` (docs/voice.md).',
  },
  {
    name: 'AGENTCY_FEATURES_POLICIES',
    kind: 'bool',
    default: 'false',
    description: 'Mounts /policies and enables policy evaluation.',
  },
  { name: 'AGENTCY_FEATURES_CIAB', kind: 'bool', default: 'false', description: 'Mounts /ciab-native.' },
  {
    name: 'CIAB_RUNTIME',
    kind: 'enum',
    values: ['local', 'ec2'],
    default: 'local',
    description:
      'Default runtime of `/ciab-native` sessions (only `local` is built in; `ec2` answers 503 `sandbox_unavailable`).',
  },
  {
    name: 'CIAB_MAX_SESSIONS_PER_ORG',
    kind: 'int',
    default: '5',
    min: 1,
    description: 'Live coding sessions per org; one more → 429 `quota_exceeded`.',
  },
  {
    name: 'CIAB_SESSION_IDLE_TIMEOUT',
    kind: 'int',
    default: '900',
    min: 1,
    description:
      'Seconds without input, output, exec or preview traffic after which a coding session is killed and its directory wiped.',
  },
  {
    name: 'CIAB_LOCAL_WORK_DIR',
    kind: 'string',
    default: './data/ciab',
    description:
      'Per-session working directories `<dir>/<session_id>/` of local coding sessions (plus `.run/` for their jail roots and port sockets).',
  },
  {
    name: 'CIAB_LOCAL_SHELL',
    kind: 'string',
    default: '/bin/bash',
    description: 'The process of a local coding session (inside its jail), fed by `POST …/input`.',
  },
  {
    name: 'CIAB_LOCAL_MAX_MEMORY_MB',
    kind: 'int',
    default: '2048',
    min: 0,
    description:
      'Address-space cap (prlimit --as) of every process of a local coding session and of each exec; 0 = none.',
  },
  {
    name: 'CIAB_LOCAL_UID_BASE',
    kind: 'int',
    default: '200000',
    min: 1000,
    max: 4000000000,
    description:
      'First host uid of local coding sessions (each live session runs as its own unprivileged uid from here on, mapped to root of its user namespace).',
  },
  {
    name: 'CIAB_HOST_ACCESS',
    kind: 'enum',
    values: ['platform_admin', 'org_admin', 'off'],
    default: 'platform_admin',
    description:
      'Who may use `/ciab-native` local sessions (processes on the API host, jailed): platform admins, any org admin, or nobody.',
  },
  {
    name: 'CIAB_URL',
    kind: 'url',
    description:
      'External CIAB control plane behind `/ciab/*` (needs AGENTCY_FEATURES_CIAB). Unset: 503 `sidecar_unavailable`.',
  },
  {
    name: 'PREVIEW_TOKEN_TTL_SECS',
    kind: 'int',
    default: '3600',
    min: 60,
    description: 'Lifetime of sandbox preview tokens (`/sandbox/preview/:session_id/:port/`).',
  },
  {
    name: 'AUDIT_RETENTION_DAYS',
    kind: 'int',
    min: 0,
    description:
      'Days audit entries are kept; older ones are cut (hourly, once across replicas) behind a signed checkpoint that keeps the hash chain verifiable (docs/audit.md). 0 or unset: kept forever.',
  },
  {
    name: 'POLICY_AUDIT_RETENTION_DAYS',
    kind: 'int',
    min: 0,
    description: "The spec's name for AUDIT_RETENTION_DAYS, read when that one is unset.",
  },

  {
    name: 'LLM_PROVIDER',
    kind: 'enum',
    values: ['offline', 'openai', 'anthropic', 'google', 'ollama', 'vllm', 'lmstudio'],
    default: 'offline',
    description: 'Default LLM provider when an org has none configured; `offline` is the built-in keyless provider.',
  },
  { name: 'LLM_MODEL', kind: 'string', description: 'Default model name.' },
  {
    name: 'LLM_BASE_URL',
    kind: 'url',
    description: 'Base URL for OpenAI-compatible servers (Ollama, vLLM, LM Studio).',
  },
  { name: 'LLM_API_KEY', kind: 'string', secret: true, description: 'Default provider API key.' },
  {
    name: 'OPENAI_API_KEY',
    kind: 'string',
    secret: true,
    description: 'OpenAI key, used when LLM_API_KEY / the org settings give none.',
  },
  {
    name: 'ANTHROPIC_API_KEY',
    kind: 'string',
    secret: true,
    description: 'Anthropic key, used when LLM_API_KEY / the org settings give none.',
  },
  {
    name: 'GOOGLE_API_KEY',
    kind: 'string',
    secret: true,
    description: 'Google Gemini key, used when LLM_API_KEY / the org settings give none.',
  },
  {
    name: 'EMBEDDINGS_BASE_URL',
    kind: 'url',
    description:
      'OpenAI-compatible embeddings endpoint of the install (`<base>/embeddings`); with EMBEDDINGS_MODEL it replaces the built-in model for /rag and /memory. Install-level: orgs cannot set it.',
  },
  { name: 'EMBEDDINGS_MODEL', kind: 'string', description: 'Model name sent to EMBEDDINGS_BASE_URL.' },
  { name: 'EMBEDDINGS_API_KEY', kind: 'string', secret: true, description: 'Bearer key for EMBEDDINGS_BASE_URL.' },
  {
    name: 'EMBEDDINGS_DIMENSIONS',
    kind: 'int',
    min: 1,
    max: 4096,
    description:
      'Vector size of the EMBEDDINGS_MODEL (default 1536); also sent as `dimensions` when set. The built-in model has 384.',
  },
  {
    name: 'EMBEDDINGS_MODEL_DIR',
    kind: 'string',
    default: '.cache/models/all-minilm-l6-v2-q',
    description:
      'Folder of the built-in embedding model (`model.onnx` + `tokenizer.json` of all-MiniLM-L6-v2, fetched by docker/models/fetch-models.sh, which scripts/stack-up.sh runs).',
  },
  {
    name: 'EMBEDDINGS_THREADS',
    kind: 'int',
    default: '2',
    min: 1,
    max: 64,
    description: 'CPU threads the built-in embedding model may use (one inference runs at a time per process).',
  },
  {
    name: 'AGENT_MAX_ITERATIONS',
    kind: 'int',
    default: '20',
    min: 1,
    max: 200,
    description: 'Tool-call iterations per chat turn.',
  },
  {
    name: 'SSE_PING_INTERVAL_MS',
    kind: 'int',
    default: '15000',
    min: 100,
    description: 'Keep-alive `ping` interval of SSE streams.',
  },
  {
    name: 'CHAT_TURN_EVENTS_TTL_SECS',
    kind: 'int',
    default: '3600',
    min: 10,
    description:
      'How long the events of a chat turn stay in Redis for re-attach (`GET /chat/conversations/:id/stream`).',
  },
  {
    name: 'CHAT_APPROVAL_POLL_MS',
    kind: 'int',
    default: '2000',
    min: 50,
    description: 'Fallback DB re-check interval of a turn waiting for an approval (pub/sub wakes it first).',
  },
  {
    name: 'CHAT_SWEEP_INTERVAL_MS',
    kind: 'int',
    default: '10000',
    min: 100,
    description: 'Interval of the chat sweeper (expires approvals, adopts turns left running by a dead process).',
  },
  {
    name: 'CHAT_INSTANCE_TTL_MS',
    kind: 'int',
    default: '30000',
    min: 500,
    description:
      'Liveness TTL of an API or worker process in Redis (replica presence; the name is historical); once it lapses, its running chat turns are adopted, its active /pipelines runs end `failed`/`interrupted` and its active /voice sessions end `interrupted`.',
  },
  {
    name: 'CHAT_TOOL_TIMEOUT_MS',
    kind: 'int',
    default: '30000',
    min: 100,
    description: 'Default timeout of one connector tool call (tool error `tool_timeout`).',
  },
  {
    name: 'CHAT_CONTEXT_BUDGET_TOKENS',
    kind: 'int',
    default: '128000',
    min: 100,
    description:
      'Context window assumed for chat models, in tokens (estimated as characters / 4). Once a conversation transcript passes 75 % of it, the older messages are compacted into one summary (docs/chat.md, "History compaction").',
  },
  {
    name: 'CHAT_COMPACTION_KEEP_MESSAGES',
    kind: 'int',
    default: '10',
    min: 1,
    max: 1000,
    description: 'Most recent messages of a conversation that history compaction keeps verbatim.',
  },
  {
    name: 'INGEST_BATCH_SIZE',
    kind: 'int',
    default: '500',
    min: 1,
    max: 100000,
    description: 'Nodes/edges per graph write batch during ingestion.',
  },
  {
    name: 'INGEST_CONCURRENCY',
    kind: 'int',
    default: '2',
    min: 1,
    max: 64,
    description: 'Sync jobs run at once per process.',
  },
  {
    name: 'AGENTCY_CONNECTORS',
    kind: 'list',
    default: '',
    description:
      'Comma-separated connector types to enable (e.g. `csv,json,postgres`); empty enables every built-in connector.',
  },
  {
    name: 'INGEST_ORG_CONCURRENCY',
    kind: 'int',
    default: '0',
    min: 0,
    max: 64,
    description:
      'Sync jobs of one org running at once across all processes (0 = half of INGEST_CONCURRENCY, at least 1), so one tenant cannot starve the others.',
  },
  {
    name: 'INGEST_ATOMIC_MAX_ROWS',
    kind: 'int',
    default: '10000',
    min: 0,
    max: 10000000,
    description:
      'Sync runs with at most this many staged nodes+edges are published in one Neo4j transaction (all or nothing for readers); larger runs are published in INGEST_BATCH_SIZE batches after staging.',
  },
  {
    name: 'EGRESS_ALLOW',
    kind: 'list',
    default: '',
    description:
      'Comma-separated CIDRs and host names (`*.corp.example` allowed) that org-configured connections may reach although they are loopback, private, link-local or otherwise non-public (e.g. `127.0.0.1/32,db.internal`); empty = public addresses only.',
  },
  {
    name: 'CONNECTOR_PG_ALLOW_SUPERUSER',
    kind: 'bool',
    default: 'false',
    description:
      'Lets postgres sources connect as a superuser or as a member of `pg_execute_server_program`, `pg_read_server_files` or `pg_write_server_files` (refused by default: such a role can run programs and read files on the database host).',
  },
  {
    name: 'CONNECTOR_HOST_ACCESS',
    kind: 'enum',
    values: ['platform_admin', 'org_admin', 'off'],
    default: 'platform_admin',
    description:
      'Who may configure sources that act on the API host itself (mcp `stdio` runs a command; git `path`/`file:` URLs and kubernetes kubeconfig paths read its files; kubernetes `in_cluster` uses its service account): platform admins, any org admin, or nobody.',
  },
  {
    name: 'INGEST_RUN_IN_API',
    kind: 'bool',
    default: 'true',
    description:
      'Runs the ingestion queue processor inside the API process (set false when `npm run worker` processes run it).',
  },
  {
    name: 'TASK_RUN_IN_API',
    kind: 'bool',
    default: 'true',
    description:
      'Runs the task-run queue consumer (`task-runs`) inside the API process; `src/worker.ts` always runs it. Set false when worker processes run task runs.',
  },
  {
    name: 'TASK_CONCURRENCY',
    kind: 'int',
    default: '10',
    min: 1,
    description:
      'Task runs one process executes at a time (each is an agent turn; waiting for an approval holds a slot).',
  },
  {
    name: 'TASK_SCHEDULE_GRACE_SECS',
    kind: 'int',
    default: '60',
    min: 1,
    description:
      'A scheduled task tick that reaches a consumer more than this many seconds after its due time is dropped and logged (missed ticks are not back-filled).',
  },
  {
    name: 'TASK_CRON_SECONDS',
    kind: 'bool',
    default: 'false',
    description:
      'TEST ONLY: accepts 6-field cron expressions (leading seconds field) for task schedules, so tests can observe several ticks quickly. Never set it in production.',
  },
  {
    name: 'PIPELINE_RUN_RETENTION_MAX',
    kind: 'int',
    default: '100',
    min: 1,
    max: 100000,
    description:
      'Finished runs kept per /pipelines pipeline; older finished runs are deleted when a run finishes and by the hourly sweep (docs/pipelines.md).',
  },
  {
    name: 'PIPELINE_RUN_RETENTION_DAYS',
    kind: 'int',
    default: '90',
    min: 1,
    max: 3650,
    description:
      'Finished /pipelines runs older than this many days are deleted (when a run of the pipeline finishes and by the hourly sweep).',
  },
  {
    name: 'PIPELINE_SWEEP_INTERVAL_MS',
    kind: 'int',
    default: '15000',
    min: 100,
    max: 3600000,
    description:
      'Interval of the /pipelines run sweeper: active runs whose process is gone (its CHAT_INSTANCE_TTL_MS presence lapsed) end `failed`/`interrupted` and are rolled back (docs/pipelines.md).',
  },
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
  {
    name: 'UPLOAD_DIR',
    kind: 'string',
    default: './data/uploads',
    description: 'Local storage for uploads and artifacts when no S3 is configured.',
  },
  {
    name: 'CLI_DIST_DIR',
    kind: 'string',
    default: './dist/cli',
    description:
      'Where `/cli/download` and `/cli/install.sh` read the CLI builds (`<dir>/<version>/agentcy-<os>-<arch>`, written by `npm run cli:build`).',
  },
  {
    name: 'AGENTCY_ARTIFACT_BACKEND',
    kind: 'enum',
    values: ['local', 's3'],
    default: 'local',
    description:
      'Where `/artifacts` blobs live: `local` (files under `<UPLOAD_DIR>/artifacts`) or `s3` (any S3-compatible store, `S3_*`).',
  },
  {
    name: 'ARTIFACT_MAX_BYTES',
    kind: 'int',
    default: '52428800',
    min: 1,
    description: 'Largest artifact accepted (upload or produced by a tool/task run); larger uploads get 413.',
  },
  {
    name: 'CONTEXT_INGEST_MAX_BYTES',
    kind: 'int',
    default: '10485760',
    min: 1,
    description: 'Largest NDJSON body one `/context/pipelines/:id/ingest` request may send; larger → 413.',
  },
  {
    name: 'CONTEXT_INGEST_MAX_LINES',
    kind: 'int',
    default: '10000',
    min: 1,
    description: 'Most NDJSON lines one `/context/pipelines/:id/ingest` request may send; more → 413.',
  },
  {
    name: 'CONTEXT_INGEST_MAX_IN_FLIGHT',
    kind: 'int',
    default: '4',
    min: 1,
    description: 'Concurrent ingest requests per pipeline and API process; one more gets 429 with Retry-After.',
  },
  {
    name: 'ARTIFACT_LINK_TTL_SECS',
    kind: 'int',
    default: '900',
    min: 1,
    max: 604800,
    description: 'Lifetime of a signed artifact download link.',
  },
  {
    name: 'S3_ENDPOINT',
    kind: 'url',
    description: 'S3-compatible endpoint (e.g. MinIO); unset = AWS S3 of `S3_REGION`.',
  },
  { name: 'S3_BUCKET', kind: 'string', description: 'Bucket of the S3 artifact store (required with `s3`).' },
  { name: 'S3_REGION', kind: 'string', default: 'us-east-1', description: 'Region of the S3 artifact store.' },
  {
    name: 'S3_ACCESS_KEY_ID',
    kind: 'string',
    description: 'Access key of the S3 artifact store; unset = the AWS default credential chain.',
  },
  { name: 'S3_SECRET_ACCESS_KEY', kind: 'string', secret: true, description: 'Secret key of the S3 artifact store.' },
  {
    name: 'S3_FORCE_PATH_STYLE',
    kind: 'bool',
    default: 'false',
    description:
      'Address the bucket as `<endpoint>/<bucket>` (MinIO and most S3-compatible servers) instead of a subdomain.',
  },
] as const;
