import { findEgressError } from '@libs/egress/egress.errors';
import type { OrgEgress } from '@libs/egress/org-egress';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import {
  ConnectorConfigError,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorToolSpec,
  GraphEdgeInput,
  GraphNodeInput,
  IngestBatch,
  JsonSchemaObject,
  ToolEffect,
  ToolExecutionError,
} from '../connector';

export interface OpenApiConfig {
  /** URL of the OpenAPI (3.x, or Swagger 2.0) document, JSON or YAML */
  spec_url?: string;
  /** inline document: an object, or a JSON/YAML string */
  spec?: Record<string, unknown> | string;
  /** API root used for calls; default: the document's first server (resolved against spec_url) */
  base_url?: string;
  bearer_token?: string;
  api_key_header?: string;
  api_key?: string;
  /** only expose operations carrying one of these tags */
  include_tags?: string[];
  timeout_ms?: number;
}

type Ctx = ConnectorContext<OpenApiConfig>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const MAX_BODY_CHARS = 64_000;
const SPEC_TTL_MS = 5 * 60_000;

export interface OpenApiOperation {
  name: string;
  method: string;
  path: string;
  summary: string;
  tags: string[];
  effect: ToolEffect;
  deprecated: boolean;
  /** tool argument name → where it goes */
  params: { arg: string; name: string; in: 'path' | 'query' | 'header' }[];
  hasBody: boolean;
  bodyContentType?: string;
  inputSchema: JsonSchemaObject;
  /** component schema names referenced by the request/response */
  schemaRefs: string[];
}

export interface LoadedSpec {
  doc: any;
  baseUrl: string;
  operations: OpenApiOperation[];
}

// ---------- loading ----------

function checkShape(c: OpenApiConfig): void {
  if (!c || typeof c !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  if (!c.spec_url && !c.spec) {
    throw new ConnectorConfigError('shape', 'one of `spec_url` or `spec` is required', {
      fields: ['spec_url', 'spec'],
    });
  }
  for (const f of ['spec_url', 'base_url'] as const) {
    if (c[f] === undefined || c[f] === null || c[f] === '') {
      continue;
    }
    try {
      const u = new URL(String(c[f]));
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new Error();
      }
    } catch {
      throw new ConnectorConfigError('shape', `\`${f}\` must be an http(s) URL`, { field: f });
    }
  }
  if (c.spec !== undefined && typeof c.spec !== 'object' && typeof c.spec !== 'string') {
    throw new ConnectorConfigError('shape', '`spec` must be an object or a JSON/YAML string', { field: 'spec' });
  }
  if ((c.api_key && !c.api_key_header) || (!c.api_key && c.api_key_header)) {
    throw new ConnectorConfigError('shape', '`api_key_header` and `api_key` go together', {
      fields: ['api_key_header', 'api_key'],
    });
  }
  if (c.api_key_header && !/^[A-Za-z0-9-]+$/.test(c.api_key_header)) {
    throw new ConnectorConfigError('shape', '`api_key_header` must be a header name', { field: 'api_key_header' });
  }
}

function authHeaders(c: OpenApiConfig): Record<string, string> {
  const h: Record<string, string> = {};
  if (c.bearer_token) {
    h.Authorization = `Bearer ${c.bearer_token}`;
  }
  if (c.api_key_header && c.api_key) {
    h[c.api_key_header] = c.api_key;
  }
  return h;
}

function parseDoc(text: string, field: string): any {
  try {
    return text.trim().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConnectorConfigError('shape', `${field} is neither valid JSON nor YAML`, {
      field,
      reason: (e as Error).message,
    });
  }
}

async function fetchDoc(c: OpenApiConfig, egress: OrgEgress, signal?: AbortSignal): Promise<any> {
  const url = c.spec_url!;
  // credentials only go to the API's own origin
  const sameOrigin = !c.base_url || new URL(c.base_url).origin === new URL(url).origin;
  let res: Response;
  try {
    res = await egress.fetch(url, {
      headers: { Accept: 'application/json, application/yaml;q=0.9, */*;q=0.5', ...(sameOrigin ? authHeaders(c) : {}) },
      signal: AbortSignal.any([AbortSignal.timeout(c.timeout_ms ?? 30_000), ...(signal ? [signal] : [])]),
    });
  } catch (e) {
    const refused = findEgressError(e);
    if (refused) {
      throw refused;
    }
    throw new ConnectorConfigError(
      'unreachable',
      `cannot fetch the OpenAPI document: ${(e as any)?.cause?.code ?? (e as Error).message}`,
      { spec_url: url },
    );
  }
  if (res.status === 401) {
    throw new ConnectorConfigError('credentials', 'the OpenAPI document URL rejected the credentials', { status: 401 });
  }
  if (res.status === 403) {
    throw new ConnectorConfigError('scope', 'the OpenAPI document URL denied access', { status: 403 });
  }
  if (!res.ok) {
    throw new ConnectorConfigError('unreachable', `fetching the OpenAPI document failed with HTTP ${res.status}`, {
      status: res.status,
      spec_url: url,
    });
  }
  return parseDoc(await res.text(), 'spec_url');
}

const cache = new Map<string, { at: number; spec: LoadedSpec }>();

function cacheKey(c: OpenApiConfig): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex');
}

export async function loadSpec(
  c: OpenApiConfig,
  opts: { egress: OrgEgress; signal?: AbortSignal; fresh?: boolean },
): Promise<LoadedSpec> {
  checkShape(c);
  const key = cacheKey(c);
  const hit = cache.get(key);
  if (!opts.fresh && hit && Date.now() - hit.at < SPEC_TTL_MS) {
    return hit.spec;
  }
  const doc =
    c.spec !== undefined && c.spec !== null && c.spec !== ''
      ? typeof c.spec === 'string'
        ? parseDoc(c.spec, 'spec')
        : c.spec
      : await fetchDoc(c, opts.egress, opts.signal);
  if (
    !doc ||
    typeof doc !== 'object' ||
    (!doc.openapi && !doc.swagger) ||
    typeof doc.paths !== 'object' ||
    doc.paths === null
  ) {
    throw new ConnectorConfigError('shape', 'not an OpenAPI document (needs `openapi`/`swagger` and `paths`)', {
      field: c.spec ? 'spec' : 'spec_url',
    });
  }
  const spec: LoadedSpec = { doc, baseUrl: resolveBaseUrl(c, doc), operations: buildOperations(doc, c.include_tags) };
  cache.set(key, { at: Date.now(), spec });
  if (cache.size > 200) {
    cache.delete(cache.keys().next().value!);
  }
  return spec;
}

function resolveBaseUrl(c: OpenApiConfig, doc: any): string {
  if (c.base_url) {
    return c.base_url.replace(/\/+$/, '');
  }
  if (doc.swagger && doc.host) {
    return `${doc.schemes?.[0] ?? 'https'}://${doc.host}${doc.basePath ?? ''}`.replace(/\/+$/, '');
  }
  const server = doc.servers?.[0];
  if (server?.url) {
    let u: string = server.url;
    for (const [k, v] of Object.entries<any>(server.variables ?? {})) {
      u = u.replace(`{${k}}`, String(v.default ?? ''));
    }
    try {
      return new URL(u, c.spec_url).toString().replace(/\/+$/, '');
    } catch {
      /* relative server without spec_url: fall through */
    }
  }
  if (c.spec_url) {
    return new URL(c.spec_url).origin;
  }
  throw new ConnectorConfigError('shape', '`base_url` is required: the document has no absolute server URL', {
    field: 'base_url',
  });
}

// ---------- schema handling ----------

function resolveRef(doc: any, ref: string): any {
  if (!ref.startsWith('#/')) {
    return undefined;
  }
  return ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o, k) => (o == null ? undefined : o[k]), doc);
}

/** Inlines local `$ref`s (bounded depth, cycles become `{}`) and collects component schema names. */
function inline(doc: any, node: any, refs: Set<string>, seen: string[] = [], depth = 0): any {
  if (node === null || typeof node !== 'object') {
    return node;
  }
  if (Array.isArray(node)) {
    return node.map((x) => inline(doc, x, refs, seen, depth));
  }
  if (typeof node.$ref === 'string') {
    const m = node.$ref.match(/^#\/(?:components\/schemas|definitions)\/(.+)$/);
    if (m) {
      refs.add(m[1]);
    }
    if (seen.includes(node.$ref) || depth > 8) {
      return { type: 'object', description: `recursive ${node.$ref}` };
    }
    const target = resolveRef(doc, node.$ref);
    return target === undefined ? {} : inline(doc, target, refs, [...seen, node.$ref], depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (
      k === 'example' ||
      k === 'examples' ||
      k === 'xml' ||
      k === 'externalDocs' ||
      k === 'discriminator' ||
      k === 'nullable'
    ) {
      continue;
    }
    // keep `properties` keys verbatim (a property may be called `example` or `nullable`)
    out[k] =
      k === 'properties' && v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, inline(doc, pv, refs, seen, depth)]))
        : inline(doc, v, refs, seen, depth);
  }
  return toJsonSchema(node, out);
}

/** OpenAPI 3.0 dialect → JSON Schema: `nullable`, boolean `exclusiveMinimum/Maximum`. */
function toJsonSchema(src: any, out: Record<string, unknown>): Record<string, unknown> {
  if (src.nullable === true) {
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
    } else if (Array.isArray(out.type) && !out.type.includes('null')) {
      out.type = [...out.type, 'null'];
    }
    if (Array.isArray(out.enum) && !out.enum.includes(null)) {
      out.enum = [...out.enum, null];
    }
  }
  for (const [ex, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[ex] === 'boolean') {
      if (out[ex] === true && typeof out[bound] === 'number') {
        out[ex] = out[bound];
        delete out[bound];
      } else {
        delete out[ex];
      }
    }
  }
  return out;
}

function effectOf(method: string): ToolEffect {
  if (method === 'get' || method === 'head' || method === 'options') {
    return 'read';
  }
  if (method === 'delete') {
    return 'destructive';
  }
  return 'write';
}

export function toolNameFor(method: string, path: string, operationId?: string): string {
  const raw = operationId || `${method}_${path}`;
  return raw
    .replace(/[{}]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 64);
}

function buildOperations(doc: any, includeTags?: string[]): OpenApiOperation[] {
  const ops: OpenApiOperation[] = [];
  const used = new Set<string>();
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    if (!item || typeof item !== 'object') {
      continue;
    }
    const pathItem = item.$ref ? (resolveRef(doc, item.$ref) ?? {}) : item;
    for (const method of METHODS) {
      const op = pathItem[method];
      if (!op || typeof op !== 'object') {
        continue;
      }
      const tags: string[] = Array.isArray(op.tags) ? op.tags : [];
      if (includeTags?.length && !tags.some((t) => includeTags.includes(t))) {
        continue;
      }
      const refs = new Set<string>();
      const properties: Record<string, unknown> = {};
      const required: string[] = [];
      const params: OpenApiOperation['params'] = [];
      let hasBody = false;
      let bodyContentType: string | undefined;
      const rawParams = [...(pathItem.parameters ?? []), ...(op.parameters ?? [])]
        .map((p: any) => (p?.$ref ? resolveRef(doc, p.$ref) : p))
        .filter(Boolean);
      // operation-level parameters override path-level ones with the same name+in
      const byKey = new Map<string, any>();
      for (const p of rawParams) {
        byKey.set(`${p.in}:${p.name}`, p);
      }
      for (const p of byKey.values()) {
        if (p.in === 'body') {
          hasBody = true;
          bodyContentType = 'application/json';
          properties.body = {
            ...inline(doc, p.schema ?? {}, refs),
            ...(p.description ? { description: p.description } : {}),
          };
          if (p.required) {
            required.push('body');
          }
          continue;
        }
        if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') {
          continue;
        }
        if (p.in === 'header' && /^(authorization|content-type|accept)$/i.test(p.name)) {
          continue;
        }
        let arg = p.name as string;
        if (arg in properties) {
          arg = `${p.in}_${p.name}`;
        }
        const schema = p.schema
          ? inline(doc, p.schema, refs)
          : { type: p.type ?? 'string', ...(p.enum ? { enum: p.enum } : {}) };
        properties[arg] = { ...schema, ...(p.description ? { description: p.description } : {}) };
        if (p.required || p.in === 'path') {
          required.push(arg);
        }
        params.push({ arg, name: p.name, in: p.in });
      }
      const rb = op.requestBody?.$ref ? resolveRef(doc, op.requestBody.$ref) : op.requestBody;
      if (rb?.content) {
        const ct =
          Object.keys(rb.content).find((k) => /json/i.test(k)) ??
          Object.keys(rb.content).find((k) => k === 'application/x-www-form-urlencoded') ??
          Object.keys(rb.content)[0];
        if (ct) {
          hasBody = true;
          bodyContentType = ct;
          properties.body = {
            ...inline(doc, rb.content[ct]?.schema ?? {}, refs),
            ...(rb.description ? { description: rb.description } : {}),
          };
          if (rb.required) {
            required.push('body');
          }
        }
      }
      for (const r of Object.values<any>(op.responses ?? {})) {
        const resp = r?.$ref ? resolveRef(doc, r.$ref) : r;
        for (const media of Object.values<any>(resp?.content ?? {})) {
          inline(doc, media?.schema ?? {}, refs);
        }
        if (resp?.schema) {
          inline(doc, resp.schema, refs);
        }
      }
      let name = toolNameFor(method, path, op.operationId);
      for (let i = 2; used.has(name); i++) {
        name = `${toolNameFor(method, path, op.operationId)}_${i}`;
      }
      used.add(name);
      ops.push({
        name,
        method: method.toUpperCase(),
        path,
        summary: op.summary || op.description || `${method.toUpperCase()} ${path}`,
        tags,
        effect: effectOf(method),
        deprecated: op.deprecated === true,
        params,
        hasBody,
        bodyContentType,
        inputSchema: { type: 'object', properties, ...(required.length ? { required } : {}) },
        schemaRefs: [...refs],
      });
    }
  }
  return ops;
}

// ---------- connector ----------

/**
 * A base URL (configured or taken from the document's `servers`) that points somewhere the org may
 * not reach is refused up front; an unresolvable one is left for call time. Every call is checked
 * again by the guarded fetch (the document may change, DNS may answer differently).
 */
async function assertBaseUrlAllowed(egress: OrgEgress, baseUrl: string): Promise<void> {
  try {
    await egress.checkUrl(baseUrl);
  } catch (e) {
    const refused = findEgressError(e);
    if (refused) {
      throw refused;
    }
  }
}

function toSpec(op: OpenApiOperation): ConnectorToolSpec {
  return {
    name: op.name,
    description: `${op.summary}${op.summary.includes(op.path) ? '' : ` (${op.method} ${op.path})`}`,
    inputSchema: op.inputSchema,
    effect: op.effect,
    requiresApproval: op.effect === 'destructive',
  };
}

async function validate(ctx: Ctx) {
  const spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal, fresh: true });
  await assertBaseUrlAllowed(ctx.egress, spec.baseUrl);
  return {
    ok: true as const,
    info: {
      title: spec.doc.info?.title ?? null,
      version: spec.doc.info?.version ?? null,
      openapi: spec.doc.openapi ?? spec.doc.swagger,
      base_url: spec.baseUrl,
      operations: spec.operations.length,
    },
  };
}

async function executeTool(ctx: Ctx, tool: string, args: Record<string, unknown>): Promise<unknown> {
  let spec: LoadedSpec;
  try {
    spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal });
  } catch (e) {
    if (e instanceof ConnectorConfigError) {
      throw new ToolExecutionError(
        e.kind === 'unreachable' ? 'upstream_unreachable' : 'source_misconfigured',
        e.message,
        e.details,
      );
    }
    throw e;
  }
  const op = spec.operations.find((o) => o.name === tool);
  if (!op) {
    throw new ToolExecutionError('tool_not_found', `the API has no operation "${tool}"`, { tool });
  }
  args = args ?? {};
  // arguments that are not parameters of the operation (e.g. a routing `source_id`) are not sent
  for (const r of op.inputSchema.required ?? []) {
    if (args[r] === undefined || args[r] === null || args[r] === '') {
      throw new ToolExecutionError('invalid_arguments', `\`${r}\` is required`, { field: r });
    }
  }
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = { Accept: 'application/json, */*;q=0.5', ...authHeaders(ctx.config) };
  for (const p of op.params) {
    const v = args[p.arg];
    if (v === undefined || v === null) {
      continue;
    }
    if (p.in === 'path') {
      path = path.replace(`{${p.name}}`, encodeURIComponent(String(v)));
    } else if (p.in === 'query') {
      if (Array.isArray(v)) {
        for (const x of v) {
          query.append(p.name, String(x));
        }
      } else {
        query.set(p.name, typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
    } else {
      headers[p.name] = String(v);
    }
  }
  let body: string | undefined;
  if (op.hasBody && args.body !== undefined) {
    headers['Content-Type'] = op.bodyContentType ?? 'application/json';
    if (op.bodyContentType === 'application/x-www-form-urlencoded' && typeof args.body === 'object') {
      body = new URLSearchParams(
        Object.entries(args.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString();
    } else {
      body =
        typeof args.body === 'string' && !/json/i.test(headers['Content-Type']) ? args.body : JSON.stringify(args.body);
    }
  }
  const url = `${spec.baseUrl}${path}${query.size ? `?${query}` : ''}`;
  const signal = AbortSignal.any([
    AbortSignal.timeout(ctx.config.timeout_ms ?? 30_000),
    ...(ctx.signal ? [ctx.signal] : []),
  ]);
  const send = () => ctx.egress.fetch(url, { method: op.method, headers, body, signal });
  let res: Response;
  try {
    try {
      res = await send();
    } catch (first) {
      // a pooled keep-alive socket closed by the server under us: retry idempotent calls once
      const code = (first as any)?.cause?.code;
      if (
        signal.aborted ||
        !['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(op.method) ||
        !['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(code)
      ) {
        throw first;
      }
      res = await send();
    }
  } catch (e) {
    if (ctx.signal?.aborted) {
      throw e;
    }
    const refused = findEgressError(e);
    if (refused) {
      throw refused;
    }
    if ((e as Error)?.name === 'TimeoutError') {
      throw new ToolExecutionError('tool_timeout', `${op.method} ${url} timed out`);
    }
    throw new ToolExecutionError(
      'upstream_unreachable',
      `${op.method} ${url} failed: ${(e as any)?.cause?.code ?? (e as Error).message}`,
    );
  }
  const text = op.method === 'HEAD' ? '' : await res.text();
  const ct = res.headers.get('content-type') ?? '';
  let data: unknown = text;
  if (/json/i.test(ct) && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  const truncated = text.length > MAX_BODY_CHARS;
  if (truncated && typeof data === 'string') {
    data = data.slice(0, MAX_BODY_CHARS);
  }
  if (!res.ok) {
    const details = { status: res.status, body: typeof data === 'string' ? data.slice(0, 4000) : data };
    if (res.status === 401 || res.status === 403) {
      throw new ToolExecutionError(
        'upstream_auth_failed',
        `${op.method} ${op.path} returned HTTP ${res.status}`,
        details,
      );
    }
    if (res.status === 404) {
      throw new ToolExecutionError('not_found', `${op.method} ${op.path} returned HTTP 404`, details);
    }
    if (res.status === 429) {
      throw new ToolExecutionError('rate_limited', `${op.method} ${op.path} returned HTTP 429`, details);
    }
    if (res.status < 500) {
      throw new ToolExecutionError('upstream_rejected', `${op.method} ${op.path} returned HTTP ${res.status}`, details);
    }
    throw new ToolExecutionError('upstream_error', `${op.method} ${op.path} returned HTTP ${res.status}`, details);
  }
  return { status: res.status, content_type: ct || null, body: data, ...(truncated ? { truncated: true } : {}) };
}

async function* ingest(ctx: Ctx): AsyncIterable<IngestBatch> {
  const spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal, fresh: true });
  const schemas: Record<string, any> = spec.doc.components?.schemas ?? spec.doc.definitions ?? {};
  const nodes: GraphNodeInput[] = [];
  const edges: GraphEdgeInput[] = [];
  for (const [name, s] of Object.entries<any>(schemas)) {
    // direct references only
    const direct = new Set<string>();
    JSON.stringify(s, (_k, v) => {
      if (v && typeof v === 'object' && typeof v.$ref === 'string') {
        const m = v.$ref.match(/^#\/(?:components\/schemas|definitions)\/(.+)$/);
        if (m) {
          direct.add(m[1]);
        }
      }
      return v;
    });
    nodes.push({
      label: 'Schema',
      key: `schema:${name}`,
      name,
      description: s?.description ?? undefined,
      properties: {
        type: s?.type ?? null,
        fields: Object.keys(s?.properties ?? {}),
        required_fields: Array.isArray(s?.required) ? s.required : [],
      },
    });
    for (const d of direct) {
      if (d !== name && d in schemas) {
        edges.push({ type: 'REFERENCES', fromKey: `schema:${name}`, toKey: `schema:${d}` });
      }
    }
  }
  for (const op of spec.operations) {
    nodes.push({
      label: 'Operation',
      key: `op:${op.method} ${op.path}`,
      name: op.name,
      description: op.summary,
      properties: {
        method: op.method,
        path: op.path,
        tags: op.tags,
        effect: op.effect,
        deprecated: op.deprecated,
        base_url: spec.baseUrl,
      },
    });
    for (const r of op.schemaRefs) {
      if (r in schemas) {
        edges.push({ type: 'USES_SCHEMA', fromKey: `op:${op.method} ${op.path}`, toKey: `schema:${r}` });
      }
    }
  }
  for (let i = 0; i < nodes.length; i += 500) {
    const last = i + 500 >= nodes.length;
    yield { nodes: nodes.slice(i, i + 500), edges: last ? edges : [] };
  }
}

export const openapiConnector: ConnectorDefinition<OpenApiConfig> = {
  type: 'openapi',
  displayName: 'OpenAPI / REST API',
  description:
    'Any HTTP API described by an OpenAPI document: every operation becomes a tool (GET/HEAD read, POST/PUT/PATCH write, DELETE destructive); operations and schemas are ingested.',
  defaultRealm: 'development',
  configSchema: {
    type: 'object',
    properties: {
      spec_url: { type: 'string', description: 'URL of the OpenAPI document (JSON or YAML)' },
      spec: { type: ['object', 'string'], description: 'inline OpenAPI document (object, JSON or YAML string)' },
      base_url: { type: 'string', description: "API root for calls (default: the document's first server)" },
      bearer_token: { type: 'string', writeOnly: true, description: 'sent as `Authorization: Bearer …`' },
      api_key_header: { type: 'string', description: 'header name carrying api_key, e.g. X-API-Key' },
      api_key: { type: 'string', writeOnly: true },
      include_tags: {
        type: 'array',
        items: { type: 'string' },
        description: 'only expose operations with one of these tags',
      },
      timeout_ms: { type: 'integer', minimum: 1000, maximum: 120000, default: 30000 },
    },
    anyOf: [{ required: ['spec_url'] }, { required: ['spec'] }],
    additionalProperties: false,
  },
  secretFields: ['bearer_token', 'api_key'],
  // an inline `spec` names the call destination through its `servers`
  destinationFields: ['spec_url', 'spec', 'base_url'],
  validate,
  ingest,
  async tools(ctx) {
    const spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal });
    return spec.operations.map(toSpec);
  },
  executeTool,
};
