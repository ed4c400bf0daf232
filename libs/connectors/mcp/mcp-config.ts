import { ConnectorConfigError, ConnectorContext, JsonSchemaObject } from '../connector';
import type { McpConfig } from './mcp-client-pool';

/** Config of an mcp source: transports, shape check, timeout, schema. */
export type McpCtx = ConnectorContext<McpConfig>;

const TRANSPORTS = ['stdio', 'http', 'streamable_http', 'sse'];

function isStringRecord(v: unknown): v is Record<string, string> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

export function checkShape(c: McpConfig): void {
  if (!c || typeof c !== 'object') {
    throw new ConnectorConfigError('shape', 'config must be an object');
  }
  if (!TRANSPORTS.includes(c.transport)) {
    throw new ConnectorConfigError('shape', `\`transport\` must be one of ${TRANSPORTS.join(', ')}`, {
      field: 'transport',
    });
  }
  if (c.transport === 'stdio') {
    if (typeof c.command !== 'string' || !c.command.trim()) {
      throw new ConnectorConfigError('shape', '`command` is required for the stdio transport', { field: 'command' });
    }
    if (c.args !== undefined && (!Array.isArray(c.args) || c.args.some((a) => typeof a !== 'string'))) {
      throw new ConnectorConfigError('shape', '`args` must be an array of strings', { field: 'args' });
    }
    if (c.env !== undefined && !isStringRecord(c.env)) {
      throw new ConnectorConfigError('shape', '`env` must be an object of strings', { field: 'env' });
    }
    if (c.cwd !== undefined && typeof c.cwd !== 'string') {
      throw new ConnectorConfigError('shape', '`cwd` must be a string', { field: 'cwd' });
    }
  } else {
    let ok: boolean;
    try {
      const u = new URL(String(c.url));
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new ConnectorConfigError('shape', `\`url\` (http or https) is required for the ${c.transport} transport`, {
        field: 'url',
      });
    }
    if (c.headers !== undefined && !isStringRecord(c.headers)) {
      throw new ConnectorConfigError('shape', '`headers` must be an object of strings', { field: 'headers' });
    }
  }
  if (c.timeout_ms !== undefined && (!Number.isInteger(c.timeout_ms) || c.timeout_ms < 100)) {
    throw new ConnectorConfigError('shape', '`timeout_ms` must be an integer >= 100', { field: 'timeout_ms' });
  }
}

export function timeoutOf(c: McpConfig): number {
  return c.timeout_ms ?? 30_000;
}

export const MCP_CONFIG_SCHEMA: JsonSchemaObject = {
  type: 'object',
  properties: {
    transport: { type: 'string', enum: TRANSPORTS, description: '`http` = streamable HTTP' },
    command: { type: 'string', description: 'stdio: executable to spawn on the API host' },
    args: { type: 'array', items: { type: 'string' } },
    env: {
      type: 'object',
      additionalProperties: { type: 'string' },
      writeOnly: true,
      description: 'stdio: extra environment variables (stored encrypted)',
    },
    cwd: { type: 'string' },
    url: { type: 'string', description: 'http/sse: server endpoint, e.g. https://mcp.example.com/mcp' },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      writeOnly: true,
      description: 'http/sse: request headers such as Authorization (stored encrypted)',
    },
    timeout_ms: { type: 'integer', minimum: 100, maximum: 600000, default: 30000 },
  },
  required: ['transport'],
  additionalProperties: false,
};
