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
      if (method !== 'post' || !op || typeof op !== 'object') {
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

/** What each route group is for, shown by generated clients and the reference page. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  activity: 'Activity feed and audit log',
  agents: 'Registered agents and their runs',
  'api-keys': 'API keys of the org: create, rotate, revoke',
  auth: 'Login, registration, the current user, OIDC',
  chat: 'Conversations, streamed messages (SSE), tool calls, approvals, the tool catalog, inbound chat',
  graph: 'Knowledge graph search, expansion, stats, schema and read-only Cypher',
  health: 'Readiness, feature flags and dependency status',
  metrics: 'Operator metrics (Prometheus text format)',
  ingestion: 'Ingestion jobs across sources, per-source status, uploads',
  platform: 'Install-level administration: orgs, invites, users',
  realms: 'Built-in and org realms',
  settings: 'Org settings, approval defaults, LLM configuration, feature flags',
  sources: 'Connector sources: CRUD, validation, sync jobs, tools, OAuth, access requests',
  users: 'The current profile, org members and invites',
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
