import { ErrorEnvelope } from '@libs/errors/error-envelope';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

type Json = Record<string, unknown>;

/** nullable:true (OpenAPI 3.0) → type arrays / anyOf null (OpenAPI 3.1, JSON Schema 2020-12). */
function to31(node: unknown): void {
  if (Array.isArray(node)) {
    return node.forEach(to31);
  }
  if (!node || typeof node !== 'object') {
    return;
  }
  const obj = node as Json;
  if (obj.nullable === true) {
    delete obj.nullable;
    if (typeof obj.type === 'string') {
      obj.type = [obj.type, 'null'];
    } else if (obj.$ref || obj.allOf || obj.oneOf) {
      const inner = { ...obj };
      for (const k of Object.keys(obj)) {
        delete obj[k];
      }
      obj.anyOf = [inner, { type: 'null' }];
    }
  } else if (obj.nullable === false) {
    delete obj.nullable;
  }
  for (const v of Object.values(obj)) {
    to31(v);
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Agentcy API')
    .setDescription(
      'Self-hostable AI-agent platform. Every error uses `{ "error": { "code", "message", "details" } }`. Collections return `{ items, next_cursor, total }`. POSTs that create records honour `Idempotency-Key`.',
    )
    .setVersion('1.0.0')
    .addServer('/', 'This server')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or ak_live_ API key' }, 'bearer')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'WORKER_TOKEN' }, 'worker_token')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Pipeline run JWT' }, 'pipeline_jwt')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' }, 'metrics_token')
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorEnvelope],
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  for (const [, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Json)) {
      if (!op || typeof op !== 'object') {
        continue;
      }
      errorsAsJson(op as { responses?: Json });
      if (method !== 'post') {
        continue;
      }
      const operation = op as { parameters?: Json[] };
      operation.parameters = [
        ...(operation.parameters ?? []),
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Replays return the original response; the same key with another body is 409 idempotency_key_reused',
          schema: { type: 'string', maxLength: 255 },
        },
      ];
    }
  }
  doc.tags = tagsOf(doc);
  to31(doc);
  return sortKeys(doc) as OpenAPIObject;
}

/**
 * An error is always the JSON envelope, even on a route that `@ApiProduces` a file, CSV or an event
 * stream (that decorator sets the media type of every response of the route).
 */
function errorsAsJson(op: { responses?: Json }): void {
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    const r = response as { content?: Record<string, { schema?: { $ref?: string } }> };
    if (!/^[45]\d\d$/.test(status) || !r.content || r.content['application/json']) {
      continue;
    }
    const enveloped = Object.values(r.content).find((c) => c.schema?.$ref?.endsWith('/ErrorEnvelope'));
    if (enveloped) {
      r.content = { 'application/json': enveloped };
    }
  }
}

/** What each route group is for, shown by generated clients and the reference page. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  activity: 'Activity feed and audit log',
  artifacts: 'Files produced or uploaded: metadata, upload, signed download links',
  agents: 'Registered agents and their runs',
  'api-keys': 'API keys of the org: create, rotate, revoke',
  auth: 'Login, registration, the current user, OIDC',
  'context-pipelines': 'Continuous ingest: NDJSON over POST with per-pipeline tokens, run windows',
  channels: 'Slack, webhook and e-mail channels, and the bindings that route their messages to agents',
  'cron-channels': 'Scheduled messages to a channel through an agent, on the task scheduler',
  chat: 'Conversations, streamed messages (SSE), tool calls, approvals, the tool catalog, inbound chat',
  cli: 'The agentcy CLI: install script, builds per OS/arch with SHA-256 (public)',
  graph: 'Knowledge graph search, expansion, stats, schema and read-only Cypher',
  health: 'Readiness, feature flags and dependency status',
  metrics: 'Operator metrics (Prometheus text format)',
  ingestion: 'Ingestion jobs across sources, per-source status, uploads',
  memory: 'Org memory: facts with kinds and realms, recall, graph sync',
  notifications: 'Per-user notifications, read state and e-mail preferences',
  'pipeline-agent': 'Routes for the agent of one pipeline run (pipeline JWT): context, records, tool calls, complete',
  pipelines: 'Versioned connector pipelines, their runs, retry and revert',
  platform: 'Install-level administration: orgs, invites, users',
  policies: 'Policies in front of every action, dry-run evaluation, the tamper-evident audit log',
  rag: 'Documents, hybrid search with citations, answers',
  realms: 'Built-in and org realms',
  settings: 'Org settings, approval defaults, LLM configuration, feature flags',
  skills: 'Markdown skills, their review workflow, the registry, conversation skills',
  sources: 'Connector sources: CRUD, validation, sync jobs, tools, OAuth, access requests',
  'task-recommendations': 'Tasks suggested from what the org has: accept or dismiss',
  tasks: 'Scheduled, webhook and manual tasks, their runs and transcripts',
  users: 'The current profile, org members and invites',
  webhooks: 'Signed inbound hooks, outbound event subscriptions, the delivery log, samples, trigger fire',
};

/** Every tag an operation uses, declared once at the top level (sorted). */
function tagsOf(doc: OpenAPIObject): { name: string; description?: string }[] {
  const names = new Set<string>();
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item as Json)) {
      for (const tag of (op as { tags?: string[] })?.tags ?? []) {
        names.add(tag);
      }
    }
  }
  return [...names]
    .sort()
    .map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }));
}

/** Deterministic output so the committed openapi.json diffs cleanly. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(sortKeys);
  }
  if (!v || typeof v !== 'object') {
    return v;
  }
  return Object.fromEntries(
    Object.keys(v as Json)
      .sort()
      .map((k) => [k, sortKeys((v as Json)[k])]),
  );
}
