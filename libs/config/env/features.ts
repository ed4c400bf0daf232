import type { EnvVar } from '../env-var';

/** Feature flags and their services: RAG, workers, orchestrator, voice, policies, coding sessions (CIAB), audit retention. */
export const FEATURES_VARS: readonly EnvVar[] = [
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
];
