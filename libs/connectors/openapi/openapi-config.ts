import { ConnectorConfigError, ConnectorContext, JsonSchemaObject } from '../connector';

/** Config of an openapi source: shape check, the credentials it sends, schema. */
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

export type OpenApiCtx = ConnectorContext<OpenApiConfig>;

export function checkShape(c: OpenApiConfig): void {
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

/** The configured credentials as request headers. */
export function authHeaders(c: OpenApiConfig): Record<string, string> {
  const h: Record<string, string> = {};
  if (c.bearer_token) {
    h.Authorization = `Bearer ${c.bearer_token}`;
  }
  if (c.api_key_header && c.api_key) {
    h[c.api_key_header] = c.api_key;
  }
  return h;
}

export const OPENAPI_CONFIG_SCHEMA: JsonSchemaObject = {
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
};
