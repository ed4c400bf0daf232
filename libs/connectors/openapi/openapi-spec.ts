import { findEgressError } from '@libs/egress/egress.errors';
import type { OrgEgress } from '@libs/egress/org-egress';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ConnectorConfigError, JsonSchemaObject, ToolEffect } from '../connector';
import { authHeaders, checkShape, type OpenApiConfig } from './openapi-config';
import { buildOperations } from './openapi-operations';

/** Loading an OpenAPI document (inline or fetched through the org's egress), cached for five minutes. */
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
