import { parseExpression } from 'cron-parser';
import { createHash } from 'node:crypto';
import { EgressPolicy } from '../egress/egress-policy';
import { ENV_VARS, EnvVar } from './env.schema';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Raw = Record<string, string | undefined>;
type Value = string | number | boolean | string[] | undefined;

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function parseOne(v: EnvVar, raw: string, problems: string[]): Value {
  switch (v.kind) {
    case 'string':
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'int': {
      const n = Number(raw);
      if (!Number.isInteger(n)) {
        return void problems.push(`${v.name}: expected an integer, got "${raw}"`);
      }
      if (v.min !== undefined && n < v.min) {
        return void problems.push(`${v.name}: must be >= ${v.min}, got ${n}`);
      }
      if (v.max !== undefined && n > v.max) {
        return void problems.push(`${v.name}: must be <= ${v.max}, got ${n}`);
      }
      return n;
    }
    case 'bool': {
      const s = raw.toLowerCase();
      if (TRUE.includes(s)) {
        return true;
      }
      if (FALSE.includes(s)) {
        return false;
      }
      return void problems.push(`${v.name}: expected true/false, got "${raw}"`);
    }
    case 'url':
      try {
        new URL(raw);
        return raw;
      } catch {
        return void problems.push(`${v.name}: not a valid URL: "${raw}"`);
      }
    case 'enum':
      if (!v.values!.includes(raw)) {
        return void problems.push(`${v.name}: must be one of ${v.values!.join(', ')}, got "${raw}"`);
      }
      return raw;
  }
}

/**
 * A cron setting of the environment: 5 fields (minute hour day-of-month month day-of-week, UTC);
 * a leading seconds field only with TASK_CRON_SECONDS (test only). Returns the problem, or null.
 */
function envCronProblem(cron: string, allowSeconds: boolean): string | null {
  const fields = cron.split(/\s+/).length;
  if (fields !== 5 && !(fields === 6 && allowSeconds)) {
    return `expected a 5-field cron (minute hour day-of-month month day-of-week) or off, got "${cron}"`;
  }
  try {
    parseExpression(cron, { utc: true }).next();
  } catch (err) {
    return `invalid cron "${cron}": ${(err as Error).message}`;
  }
  return null;
}

const DEV_JWT_SECRET = 'agentcy-development-jwt-secret-change-me-now';
const DEV_ENCRYPTION_KEY = createHash('sha256').update('agentcy-development-encryption-key').digest();
const MIN_ADMIN_PASSWORD = 8;

export type RegistrationMode = 'open' | 'invite' | 'closed';

/**
 * Production refuses the published development secrets (anyone could forge tokens or open
 * sealed secrets with them) and a seeded admin without its own password.
 */
function productionProblems(values: Record<string, Value>): string[] {
  const problems: string[] = [];
  if (values.JWT_SECRET === DEV_JWT_SECRET) {
    problems.push('JWT_SECRET: the development secret is refused when NODE_ENV=production');
  }
  const key = values.ENCRYPTION_KEY as string | undefined;
  if (key !== undefined && Buffer.from(key, 'base64').equals(DEV_ENCRYPTION_KEY)) {
    problems.push('ENCRYPTION_KEY: the development key is refused when NODE_ENV=production');
  }
  if (values.SEED_ADMIN === true && !values.ADMIN_PASSWORD) {
    problems.push('ADMIN_PASSWORD: required when SEED_ADMIN=true and NODE_ENV=production (or set SEED_ADMIN=false)');
  }
  return problems;
}

/** Typed, validated view of the environment. The only place that reads process.env is main/worker. */
export class AppConfig {
  readonly nodeEnv: 'development' | 'test' | 'production';
  readonly port: number;
  readonly host: string;
  /** V8's `--heap-growing-percent` (0: V8's own), applied by the entry points (src/main.ts, src/worker.ts) */
  readonly heapGrowingPercent: number;
  readonly publicBaseUrl: string;
  readonly frontendUrl: string;
  readonly corsOrigins: string[];
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  readonly shutdownGraceMs: number;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly migrationsRun: boolean;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly neo4j: { uri: string; user: string; password: string; database: string };
  readonly healthCheckTimeoutMs: number;
  readonly healthCacheMs: number;
  /** GET /metrics: bearer token on the API port (unset: 404 there); optional separate plain listener */
  readonly metrics: { token?: string; port?: number; host: string };
  readonly encryptionKey: Buffer;
  readonly auth: {
    provider: 'local' | 'oidc';
    jwtSecret: string;
    jwtExpirySecs: number;
    jwksUrl?: string;
    issuer?: string;
    audience: string;
    jwksTtlSecs: number;
    claimOrgId: string;
    claimRole: string;
    jitOrg: boolean;
    authorizeUrl?: string;
    tokenUrl?: string;
    clientId?: string;
    clientSecret?: string;
  };
  readonly workerToken?: string;
  /** worker daemons: job lease and heartbeat interval (docs/workers.md) */
  readonly workerLeaseSecs: number;
  readonly workerHeartbeatSecs: number;
  readonly seedAdmin: boolean;
  /** password of the seeded admin; undefined = `admin` (refused in production) */
  readonly adminPassword?: string;
  /** local self-registration (REGISTRATION; default open, invite in production) */
  readonly registration: RegistrationMode;
  readonly authAnonRateLimitPerMin: number;
  /** how long a verified caller may be reused by this replica (0: never); changes invalidate it through Redis */
  readonly authCacheTtlMs: number;
  readonly passwordHashing: { concurrency: number; queueMax: number };
  readonly rateLimitPerMin: number;
  readonly loginRateLimitPerMin: number;
  /** AUDIT_RETENTION_DAYS (alias POLICY_AUDIT_RETENTION_DAYS); 0 = keep forever */
  readonly auditRetentionDays: number;
  readonly features: {
    rag: boolean;
    workers: boolean;
    orchestrator: boolean;
    voice: boolean;
    policies: boolean;
    ciab: boolean;
  };
  readonly llm: {
    provider: string;
    model?: string;
    baseUrl?: string;
    apiKey?: string;
    maxIterations: number;
    providerKeys: { openai?: string; anthropic?: string; google?: string };
  };
  /** embeddings (/rag, /memory): an OpenAI-compatible endpoint when baseUrl+model are set, else the built-in model */
  readonly embeddings: {
    baseUrl?: string;
    model?: string;
    apiKey?: string;
    dimensions?: number;
    modelDir: string;
    threads: number;
  };
  readonly ssePingIntervalMs: number;
  /** liveness TTL of a replica's presence key (libs/redis/replica-presence.ts); CHAT_INSTANCE_TTL_MS */
  readonly replicaTtlMs: number;
  readonly chat: {
    turnEventsTtlSecs: number;
    approvalPollMs: number;
    sweepIntervalMs: number;
    instanceTtlMs: number;
    toolTimeoutMs: number;
    /** context window assumed for the model (tokens); compaction at 75 % of it */
    contextBudgetTokens: number;
    /** messages kept verbatim by compaction */
    compactionKeepMessages: number;
  };
  readonly ingestBatchSize: number;
  readonly ingestConcurrency: number;
  readonly uploadDir: string;
  readonly cliDistDir: string;
  /** `/ciab-native` local coding sessions (docs/ciab.md) */
  readonly ciab: {
    runtime: 'local' | 'ec2';
    maxSessionsPerOrg: number;
    idleTimeoutSecs: number;
    localWorkDir: string;
    localShell: string;
    localMaxMemoryMb?: number;
    localUidBase: number;
    hostAccess: 'platform_admin' | 'org_admin' | 'off';
  };
  /** sidecars behind the `/orchestrator` and `/ciab` proxies (docs/orchestrator.md); preview token lifetime */
  readonly sidecars: { openfangUrl?: string; openfangApiKey?: string; ciabUrl?: string };
  readonly previewTokenTtlSecs: number;
  /** `/artifacts`: blob backend, size cap, signed-link lifetime; S3 settings when the backend is `s3` */
  readonly artifacts: { backend: 'local' | 's3'; maxBytes: number; linkTtlSecs: number };
  /** `/context/pipelines` ingest limits per request and per pipeline (docs/context-pipelines.md) */
  readonly contextIngest: { maxBytes: number; maxLines: number; maxInFlight: number };
  readonly s3: {
    endpoint?: string;
    bucket?: string;
    region: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
  };
  readonly connectors: string[];
  readonly ingestOrgConcurrency: number;
  readonly ingestRunInApi: boolean;
  /** task runs: consumer in API processes, concurrency, schedule grace, test-only seconds field */
  readonly tasks: { runInApi: boolean; concurrency: number; scheduleGraceSecs: number; cronSeconds: boolean };
  /** /pipelines run retention (docs/pipelines.md) */
  readonly pipelineRunRetention: { max: number; days: number };
  /** how often the pipeline run sweeper looks for runs left active by a dead replica (docs/pipelines.md) */
  readonly pipelineSweepIntervalMs: number;
  /** inbound receiver limits and the outbound delivery outbox (HOOK_*, WEBHOOK_*) */
  readonly webhooks: {
    maxBodyBytes: number;
    rateLimitPerMin: number;
    inboxConsumer: boolean;
    deliveryAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    timeoutMs: number;
    dispatch: boolean;
    dispatchIntervalMs: number;
    leaseMs: number;
  };
  readonly orgPurgeAfterDays: number;
  /** who may configure sources that act on the API host (see CONNECTOR_HOST_ACCESS) */
  readonly connectorHostAccess: 'platform_admin' | 'org_admin' | 'off';
  /** postgres sources may use superuser / server-file / server-program roles (CONNECTOR_PG_ALLOW_SUPERUSER) */
  readonly connectorPgAllowSuperuser: boolean;
  /** destinations opened to org-configured connections although not public (EGRESS_ALLOW) */
  readonly egressAllow: string[];
  readonly ingestAtomicMaxRows: number;
  /** notification e-mail; `url` unset = no e-mail */
  readonly smtp: { url?: string; from: string };
  /** operator-run WhatsApp gateway sidecar (WHATSAPP_GATEWAY_*); url unset = none */
  readonly whatsappGateway: { url?: string; token?: string; signingSecret?: string };
  readonly notifyChatApprovalDelaySecs: number;
  readonly taskRecommendationsStaleSecs: number;
  /** skills.md: prompt characters per conversation */
  readonly skillsCharBudget: number;
  /** memory.md: candidates ranked per recall */
  readonly memoryRecallMaxCandidates: number;
  /** memory.md "Compaction": schedule (UTC cron; null = disabled) and tombstone retention */
  readonly memoryCompaction: { cron: string | null; retentionDays: number };
  readonly oauth: {
    github: { clientId?: string; clientSecret?: string; webUrl: string; apiUrl?: string };
    google: { clientId?: string; clientSecret?: string };
  };
  /** `/voice`: speech providers (operator-configured endpoints) and session limits (docs/voice.md) */
  readonly voice: {
    sttProvider: 'deepgram' | 'openai';
    ttsProvider: 'elevenlabs' | 'openai';
    openai: {
      baseUrl: string;
      apiKey?: string;
      configured: boolean;
      sttModel: string;
      ttsModel: string;
      ttsVoice: string;
    };
    deepgram: { apiKey?: string; baseUrl: string; model: string };
    elevenlabs: { apiKey?: string; voiceId?: string; baseUrl: string; model: string };
    maxDurationSecs: number;
    idleTimeoutSecs: number;
    vadSilenceMs: number;
    vadThreshold: number;
    providerTimeoutMs: number;
    /** VOICE_SWEEP_INTERVAL_MS: interval of the sweeper ending the active sessions of dead replicas */
    sweepIntervalMs: number;
  };

  static fromEnv(env: Raw = process.env): AppConfig {
    const problems: string[] = [];
    const values: Record<string, Value> = {};
    const production = env.NODE_ENV === 'production';
    for (const v of ENV_VARS) {
      const raw = env[v.name];
      const present = raw !== undefined && raw !== '';
      if (!present && v.requiredInProduction && production) {
        problems.push(`${v.name}: required when NODE_ENV=production`);
        continue;
      }
      const effective = present ? raw : v.default;
      values[v.name] = effective === undefined ? undefined : parseOne(v, effective, problems);
    }
    if (values.AGENTCY_ARTIFACT_BACKEND === 's3' && !values.S3_BUCKET) {
      problems.push('S3_BUCKET: required when AGENTCY_ARTIFACT_BACKEND=s3');
    }
    if (values.AUTH_PROVIDER === 'oidc') {
      if (!values.JWKS_URL) {
        problems.push('JWKS_URL: required when AUTH_PROVIDER=oidc');
      }
      if (!values.JWT_ISSUER) {
        problems.push('JWT_ISSUER: required when AUTH_PROVIDER=oidc');
      }
    }
    const secret = values.JWT_SECRET as string | undefined;
    if (secret !== undefined && secret.length < 32) {
      problems.push('JWT_SECRET: must be at least 32 characters');
    }
    const key = values.ENCRYPTION_KEY as string | undefined;
    if (key !== undefined && Buffer.from(key, 'base64').length !== 32) {
      problems.push('ENCRYPTION_KEY: must be 32 bytes, base64-encoded');
    }
    const metricsToken = values.METRICS_TOKEN as string | undefined;
    if (metricsToken !== undefined && metricsToken.length < 16) {
      problems.push('METRICS_TOKEN: must be at least 16 characters');
    }
    const adminPassword = values.ADMIN_PASSWORD as string | undefined;
    if (adminPassword !== undefined && adminPassword.length < MIN_ADMIN_PASSWORD) {
      problems.push(`ADMIN_PASSWORD: must be at least ${MIN_ADMIN_PASSWORD} characters`);
    }
    if (production) {
      problems.push(...productionProblems(values));
    }
    // an explicitly empty MEMORY_COMPACTION_CRON disables the job (unset = the default schedule)
    const compaction = env.MEMORY_COMPACTION_CRON?.trim() === '' ? 'off' : (values.MEMORY_COMPACTION_CRON as string);
    values.MEMORY_COMPACTION_CRON = compaction.trim().toLowerCase() === 'off' ? undefined : compaction.trim();
    const cronProblem =
      values.MEMORY_COMPACTION_CRON === undefined
        ? null
        : envCronProblem(values.MEMORY_COMPACTION_CRON as string, values.TASK_CRON_SECONDS === true);
    if (cronProblem) {
      problems.push(`MEMORY_COMPACTION_CRON: ${cronProblem}`);
    }
    for (const entry of (values.EGRESS_ALLOW as string[] | undefined) ?? []) {
      const problem = EgressPolicy.validateEntry(entry);
      if (problem) {
        problems.push(`EGRESS_ALLOW: "${entry}" is neither a CIDR, an IP address nor a host name (${problem})`);
      }
    }
    if (problems.length) {
      throw new ConfigValidationError(problems);
    }
    return new AppConfig(values);
  }

  private constructor(v: Record<string, Value>) {
    const s = (k: string) => v[k] as string;
    const o = (k: string) => v[k] as string | undefined;
    const n = (k: string) => v[k] as number;
    const b = (k: string) => v[k] as boolean;
    const l = (k: string) => (v[k] as string[] | undefined) ?? [];
    this.nodeEnv = s('NODE_ENV') as AppConfig['nodeEnv'];
    this.port = n('PORT');
    this.host = s('HOST');
    this.heapGrowingPercent = n('V8_HEAP_GROWING_PERCENT');
    this.publicBaseUrl = s('PUBLIC_BASE_URL').replace(/\/$/, '');
    this.frontendUrl = s('FRONTEND_URL').replace(/\/$/, '');
    this.corsOrigins = l('CORS_ORIGINS').length ? l('CORS_ORIGINS') : [this.frontendUrl];
    this.logLevel = s('LOG_LEVEL');
    this.bodyLimitBytes = n('BODY_LIMIT_BYTES');
    this.shutdownGraceMs = n('SHUTDOWN_GRACE_MS');
    this.databaseUrl = s('DATABASE_URL');
    this.databasePoolSize = n('DATABASE_POOL_SIZE');
    this.migrationsRun = b('MIGRATIONS_RUN');
    this.redisUrl = s('REDIS_URL');
    this.redisPrefix = s('REDIS_PREFIX');
    this.neo4j = {
      uri: s('NEO4J_URI'),
      user: s('NEO4J_USER'),
      password: s('NEO4J_PASSWORD'),
      database: s('NEO4J_DATABASE'),
    };
    this.healthCheckTimeoutMs = n('HEALTH_CHECK_TIMEOUT_MS');
    this.healthCacheMs = n('HEALTH_CACHE_MS');
    this.metrics = { token: o('METRICS_TOKEN'), port: v.METRICS_PORT as number | undefined, host: s('METRICS_HOST') };
    this.encryptionKey = o('ENCRYPTION_KEY') ? Buffer.from(s('ENCRYPTION_KEY'), 'base64') : DEV_ENCRYPTION_KEY;
    this.auth = {
      provider: s('AUTH_PROVIDER') as 'local' | 'oidc',
      jwtSecret: o('JWT_SECRET') ?? DEV_JWT_SECRET,
      jwtExpirySecs: n('JWT_EXPIRY_SECS'),
      jwksUrl: o('JWKS_URL'),
      issuer: o('JWT_ISSUER'),
      audience: s('JWT_AUDIENCE'),
      jwksTtlSecs: n('JWKS_TTL_SECS'),
      claimOrgId: s('OIDC_CLAIM_ORG_ID'),
      claimRole: s('OIDC_CLAIM_ROLE'),
      jitOrg: b('OIDC_JIT_ORG'),
      authorizeUrl: o('OIDC_AUTHORIZE_URL'),
      tokenUrl: o('OIDC_TOKEN_URL'),
      clientId: o('OIDC_CLIENT_ID'),
      clientSecret: o('OIDC_CLIENT_SECRET'),
    };
    this.workerToken = o('WORKER_TOKEN');
    this.workerLeaseSecs = n('WORKER_LEASE_SECS');
    this.workerHeartbeatSecs = n('WORKER_HEARTBEAT_SECS');
    this.seedAdmin = b('SEED_ADMIN');
    this.adminPassword = o('ADMIN_PASSWORD');
    this.registration = (o('REGISTRATION') ?? (this.nodeEnv === 'production' ? 'invite' : 'open')) as RegistrationMode;
    this.authAnonRateLimitPerMin = n('AUTH_ANON_RATE_LIMIT_PER_MIN');
    this.authCacheTtlMs = n('AUTH_CACHE_TTL_MS');
    this.passwordHashing = { concurrency: n('PASSWORD_HASH_CONCURRENCY'), queueMax: n('PASSWORD_HASH_QUEUE_MAX') };
    this.rateLimitPerMin = n('RATE_LIMIT_PER_MIN');
    this.loginRateLimitPerMin = n('LOGIN_RATE_LIMIT_PER_MIN');
    this.auditRetentionDays =
      (v.AUDIT_RETENTION_DAYS as number | undefined) ?? (v.POLICY_AUDIT_RETENTION_DAYS as number | undefined) ?? 0;
    this.features = {
      rag: b('AGENTCY_FEATURES_RAG'),
      workers: b('AGENTCY_FEATURES_WORKERS'),
      orchestrator: b('AGENTCY_FEATURES_ORCHESTRATOR'),
      voice: b('AGENTCY_FEATURES_VOICE'),
      policies: b('AGENTCY_FEATURES_POLICIES'),
      ciab: b('AGENTCY_FEATURES_CIAB'),
    };
    this.llm = {
      provider: s('LLM_PROVIDER'),
      model: o('LLM_MODEL'),
      baseUrl: o('LLM_BASE_URL'),
      apiKey: o('LLM_API_KEY'),
      maxIterations: n('AGENT_MAX_ITERATIONS'),
      providerKeys: { openai: o('OPENAI_API_KEY'), anthropic: o('ANTHROPIC_API_KEY'), google: o('GOOGLE_API_KEY') },
    };
    this.embeddings = {
      baseUrl: o('EMBEDDINGS_BASE_URL'),
      model: o('EMBEDDINGS_MODEL'),
      apiKey: o('EMBEDDINGS_API_KEY'),
      dimensions: o('EMBEDDINGS_DIMENSIONS') ? n('EMBEDDINGS_DIMENSIONS') : undefined,
      modelDir: s('EMBEDDINGS_MODEL_DIR'),
      threads: n('EMBEDDINGS_THREADS'),
    };
    this.ssePingIntervalMs = n('SSE_PING_INTERVAL_MS');
    this.replicaTtlMs = n('CHAT_INSTANCE_TTL_MS');
    this.chat = {
      turnEventsTtlSecs: n('CHAT_TURN_EVENTS_TTL_SECS'),
      approvalPollMs: n('CHAT_APPROVAL_POLL_MS'),
      sweepIntervalMs: n('CHAT_SWEEP_INTERVAL_MS'),
      instanceTtlMs: n('CHAT_INSTANCE_TTL_MS'),
      toolTimeoutMs: n('CHAT_TOOL_TIMEOUT_MS'),
      contextBudgetTokens: n('CHAT_CONTEXT_BUDGET_TOKENS'),
      compactionKeepMessages: n('CHAT_COMPACTION_KEEP_MESSAGES'),
    };
    this.ingestBatchSize = n('INGEST_BATCH_SIZE');
    this.ingestConcurrency = n('INGEST_CONCURRENCY');
    this.uploadDir = s('UPLOAD_DIR');
    this.cliDistDir = s('CLI_DIST_DIR');
    this.contextIngest = {
      maxBytes: n('CONTEXT_INGEST_MAX_BYTES'),
      maxLines: n('CONTEXT_INGEST_MAX_LINES'),
      maxInFlight: n('CONTEXT_INGEST_MAX_IN_FLIGHT'),
    };
    this.ciab = {
      runtime: s('CIAB_RUNTIME') as 'local' | 'ec2',
      maxSessionsPerOrg: n('CIAB_MAX_SESSIONS_PER_ORG'),
      idleTimeoutSecs: n('CIAB_SESSION_IDLE_TIMEOUT'),
      localWorkDir: s('CIAB_LOCAL_WORK_DIR'),
      localShell: s('CIAB_LOCAL_SHELL'),
      localMaxMemoryMb: (v.CIAB_LOCAL_MAX_MEMORY_MB as number | undefined) || undefined,
      localUidBase: n('CIAB_LOCAL_UID_BASE'),
      hostAccess: s('CIAB_HOST_ACCESS') as 'platform_admin' | 'org_admin' | 'off',
    };
    this.sidecars = { openfangUrl: o('OPENFANG_URL'), openfangApiKey: o('OPENFANG_API_KEY'), ciabUrl: o('CIAB_URL') };
    this.previewTokenTtlSecs = n('PREVIEW_TOKEN_TTL_SECS');
    this.artifacts = {
      backend: s('AGENTCY_ARTIFACT_BACKEND') as 'local' | 's3',
      maxBytes: n('ARTIFACT_MAX_BYTES'),
      linkTtlSecs: n('ARTIFACT_LINK_TTL_SECS'),
    };
    this.s3 = {
      endpoint: o('S3_ENDPOINT'),
      bucket: o('S3_BUCKET'),
      region: s('S3_REGION'),
      accessKeyId: o('S3_ACCESS_KEY_ID'),
      secretAccessKey: o('S3_SECRET_ACCESS_KEY'),
      forcePathStyle: b('S3_FORCE_PATH_STYLE'),
    };
    this.connectors = l('AGENTCY_CONNECTORS');
    this.ingestOrgConcurrency = n('INGEST_ORG_CONCURRENCY') || Math.max(1, Math.floor(this.ingestConcurrency / 2));
    this.ingestRunInApi = b('INGEST_RUN_IN_API');
    this.tasks = {
      runInApi: b('TASK_RUN_IN_API'),
      concurrency: n('TASK_CONCURRENCY'),
      scheduleGraceSecs: n('TASK_SCHEDULE_GRACE_SECS'),
      cronSeconds: b('TASK_CRON_SECONDS'),
    };
    this.pipelineRunRetention = { max: n('PIPELINE_RUN_RETENTION_MAX'), days: n('PIPELINE_RUN_RETENTION_DAYS') };
    this.pipelineSweepIntervalMs = n('PIPELINE_SWEEP_INTERVAL_MS');
    this.webhooks = {
      maxBodyBytes: n('HOOK_MAX_BODY_BYTES'),
      rateLimitPerMin: n('HOOK_RATE_LIMIT_PER_MIN'),
      inboxConsumer: b('HOOK_INBOX_CONSUMER'),
      deliveryAttempts: n('WEBHOOK_DELIVERY_ATTEMPTS'),
      retryBaseMs: n('WEBHOOK_RETRY_BASE_MS'),
      retryMaxMs: n('WEBHOOK_RETRY_MAX_MS'),
      timeoutMs: n('WEBHOOK_DELIVERY_TIMEOUT_MS'),
      dispatch: b('WEBHOOK_DISPATCH'),
      dispatchIntervalMs: n('WEBHOOK_DISPATCH_INTERVAL_MS'),
      leaseMs: n('WEBHOOK_LEASE_MS'),
    };
    this.orgPurgeAfterDays = n('ORG_PURGE_AFTER_DAYS');
    this.connectorHostAccess = s('CONNECTOR_HOST_ACCESS') as AppConfig['connectorHostAccess'];
    this.connectorPgAllowSuperuser = b('CONNECTOR_PG_ALLOW_SUPERUSER');
    this.egressAllow = l('EGRESS_ALLOW');
    this.ingestAtomicMaxRows = n('INGEST_ATOMIC_MAX_ROWS');
    this.smtp = { url: o('SMTP_URL'), from: s('SMTP_FROM') };
    this.whatsappGateway = {
      url: o('WHATSAPP_GATEWAY_URL')?.replace(/\/+$/, ''),
      token: o('WHATSAPP_GATEWAY_TOKEN'),
      signingSecret: o('WHATSAPP_GATEWAY_SIGNING_SECRET'),
    };
    this.notifyChatApprovalDelaySecs = n('NOTIFY_CHAT_APPROVAL_DELAY_SECS');
    this.taskRecommendationsStaleSecs = n('TASK_RECOMMENDATIONS_STALE_SECS');
    this.skillsCharBudget = n('SKILLS_CHAR_BUDGET');
    this.memoryRecallMaxCandidates = n('MEMORY_RECALL_MAX_CANDIDATES');
    this.memoryCompaction = {
      cron: o('MEMORY_COMPACTION_CRON') ?? null,
      retentionDays: n('MEMORY_TOMBSTONE_RETENTION_DAYS'),
    };
    this.oauth = {
      github: {
        clientId: o('OAUTH_GITHUB_CLIENT_ID'),
        clientSecret: o('OAUTH_GITHUB_CLIENT_SECRET'),
        webUrl: s('OAUTH_GITHUB_URL').replace(/\/+$/, ''),
        apiUrl: o('OAUTH_GITHUB_API_URL')?.replace(/\/+$/, ''),
      },
      google: { clientId: o('OAUTH_GOOGLE_CLIENT_ID'), clientSecret: o('OAUTH_GOOGLE_CLIENT_SECRET') },
    };
    this.voice = {
      sttProvider: s('VOICE_STT_PROVIDER') as AppConfig['voice']['sttProvider'],
      ttsProvider: s('VOICE_TTS_PROVIDER') as AppConfig['voice']['ttsProvider'],
      openai: {
        baseUrl: (o('VOICE_BASE_URL') ?? 'https://api.openai.com/v1').replace(/\/+$/, ''),
        apiKey: o('VOICE_API_KEY'),
        configured: !!(o('VOICE_BASE_URL') || o('VOICE_API_KEY')),
        sttModel: s('VOICE_STT_MODEL'),
        ttsModel: s('VOICE_TTS_MODEL'),
        ttsVoice: s('VOICE_TTS_VOICE'),
      },
      deepgram: {
        apiKey: o('DEEPGRAM_API_KEY'),
        baseUrl: s('DEEPGRAM_BASE_URL').replace(/\/+$/, ''),
        model: s('DEEPGRAM_STT_MODEL'),
      },
      elevenlabs: {
        apiKey: o('ELEVENLABS_API_KEY'),
        voiceId: o('ELEVENLABS_VOICE_ID'),
        baseUrl: s('ELEVENLABS_BASE_URL').replace(/\/+$/, ''),
        model: s('ELEVENLABS_MODEL'),
      },
      maxDurationSecs: n('VOICE_MAX_DURATION_SECS'),
      idleTimeoutSecs: n('VOICE_IDLE_TIMEOUT_SECS'),
      vadSilenceMs: n('VOICE_VAD_SILENCE_MS'),
      vadThreshold: n('VOICE_VAD_THRESHOLD'),
      providerTimeoutMs: n('VOICE_PROVIDER_TIMEOUT_MS'),
      sweepIntervalMs: n('VOICE_SWEEP_INTERVAL_MS'),
    };
  }
}

/** Renders the README table of variables from the schema. */
export function renderEnvTable(): string {
  const rows = ENV_VARS.map((v) => {
    const def =
      v.default === undefined || v.default === ''
        ? v.requiredInProduction
          ? '— (required in production)'
          : '—'
        : `\`${v.default}\``;
    return `| \`${v.name}\` | ${def} | ${v.description} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
