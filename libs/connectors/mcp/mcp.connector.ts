import { findEgressError } from '@libs/egress/egress.errors';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import {
  ConnectorConfigError,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorToolSpec,
  GraphNodeInput,
  IngestBatch,
  JsonSchemaObject,
  ToolEffect,
  ToolExecutionError,
} from '../connector';
import { McpClientPool, McpConfig, McpToolInfo } from './mcp-client-pool';

export type { McpConfig } from './mcp-client-pool';

type Ctx = ConnectorContext<McpConfig>;

/** Process-wide pool: one client per source (idle-closed after 5 minutes). */
export const mcpClientPool = new McpClientPool();

const TRANSPORTS = ['stdio', 'http', 'streamable_http', 'sse'];
const MAX_TEXT = 64_000;

function isStringRecord(v: unknown): v is Record<string, string> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function checkShape(c: McpConfig): void {
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

/** MCP tool names may contain characters that clash with `<source>.<tool>` qualification. */
export function toolNameFor(mcpName: string): string {
  return mcpName.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function effectFor(t: McpToolInfo): ToolEffect {
  if (t.annotations?.destructiveHint === true) {
    return 'destructive';
  }
  if (t.annotations?.readOnlyHint === true) {
    return 'read';
  }
  return 'write';
}

const specCache = new WeakMap<McpToolInfo, ConnectorToolSpec>();

/** Memoised per listed tool so the catalog's schema validator cache stays warm. */
export function toToolSpec(t: McpToolInfo): ConnectorToolSpec {
  let spec = specCache.get(t);
  if (!spec) {
    spec = buildToolSpec(t);
    specCache.set(t, spec);
  }
  return spec;
}

function buildToolSpec(t: McpToolInfo): ConnectorToolSpec {
  const effect = effectFor(t);
  const schema = (t.inputSchema && typeof t.inputSchema === 'object' ? { ...t.inputSchema } : {}) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  const inputSchema: JsonSchemaObject = {
    ...schema,
    type: 'object',
    properties: (schema.properties as Record<string, unknown>) ?? {},
  };
  return {
    name: toolNameFor(t.name),
    description: t.description || t.title || t.annotations?.title || t.name,
    inputSchema,
    effect,
    requiresApproval: effect === 'destructive',
  };
}

function timeoutOf(c: McpConfig): number {
  return c.timeout_ms ?? 30_000;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function httpStatus(e: unknown): number | undefined {
  const code = (e as any)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

async function validate(ctx: Ctx) {
  checkShape(ctx.config);
  try {
    const tools = await mcpClientPool.listTools(ctx, ctx.config, {
      fresh: true,
      timeoutMs: timeoutOf(ctx.config),
    });
    const info = await mcpClientPool.use(ctx, ctx.config, (client) =>
      Promise.resolve({
        server: client.getServerVersion() ?? null,
        capabilities: Object.keys(client.getServerCapabilities() ?? {}),
      }),
    );
    return {
      ok: true as const,
      info: { ...info, tools: tools.length, tool_names: tools.map((t) => toolNameFor(t.name)) },
    };
  } catch (e) {
    if (e instanceof ConnectorConfigError) {
      throw e;
    }
    const refused = findEgressError(e);
    if (refused) {
      throw refused;
    }
    const status = httpStatus(e);
    if (status === 401) {
      throw new ConnectorConfigError('credentials', 'MCP server rejected the credentials (HTTP 401)', { status });
    }
    if (status === 403) {
      throw new ConnectorConfigError('scope', 'MCP server denied access (HTTP 403)', { status });
    }
    throw new ConnectorConfigError(
      'unreachable',
      `cannot connect to the MCP server: ${describe(e)}`,
      status ? { status } : {},
    );
  }
}

async function tools(ctx: Ctx): Promise<ConnectorToolSpec[]> {
  checkShape(ctx.config);
  const list = await mcpClientPool.listTools(ctx, ctx.config, { timeoutMs: timeoutOf(ctx.config) });
  return list.map(toToolSpec);
}

function simplifyContent(content: any[]): { parts: unknown[]; text: string; truncated: boolean } {
  const texts: string[] = [];
  const parts = (content ?? []).map((c) => {
    if (c.type === 'text') {
      texts.push(c.text);
      return { type: 'text', text: c.text };
    }
    if (c.type === 'image' || c.type === 'audio') {
      return { type: c.type, mime_type: c.mimeType, bytes: Math.floor(((c.data as string)?.length ?? 0) * 0.75) };
    }
    if (c.type === 'resource') {
      const r = c.resource ?? {};
      if (typeof r.text === 'string') {
        texts.push(r.text);
      }
      return { type: 'resource', uri: r.uri, mime_type: r.mimeType ?? null, text: r.text ?? null };
    }
    if (c.type === 'resource_link') {
      return { type: 'resource_link', uri: c.uri, name: c.name, description: c.description ?? null };
    }
    return c;
  });
  const text = texts.join('\n');
  return { parts, text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text, truncated: text.length > MAX_TEXT };
}

async function executeTool(ctx: Ctx, tool: string, args: Record<string, unknown>): Promise<unknown> {
  try {
    checkShape(ctx.config);
  } catch (e) {
    throw new ToolExecutionError('source_misconfigured', describe(e));
  }
  let list: McpToolInfo[];
  try {
    list = await mcpClientPool.listTools(ctx, ctx.config, { timeoutMs: timeoutOf(ctx.config) });
  } catch (e) {
    throw mapCallError(e);
  }
  let target = list.find((t) => toolNameFor(t.name) === tool || t.name === tool);
  if (!target) {
    // the server may have changed since the cached listing
    list = await mcpClientPool
      .listTools(ctx, ctx.config, { fresh: true, timeoutMs: timeoutOf(ctx.config) })
      .catch(() => list);
    target = list.find((t) => toolNameFor(t.name) === tool || t.name === tool);
  }
  if (!target) {
    throw new ToolExecutionError('tool_not_found', `MCP server has no tool "${tool}"`, {
      tool,
      available: list.map((t) => toolNameFor(t.name)),
    });
  }
  const name = target.name;
  let result: any;
  try {
    result = await mcpClientPool.use(ctx, ctx.config, (client) =>
      client.callTool({ name, arguments: args ?? {} }, undefined, {
        timeout: timeoutOf(ctx.config),
        signal: ctx.signal,
      }),
    );
  } catch (e) {
    throw mapCallError(e);
  }
  const { parts, text, truncated } = simplifyContent(result.content ?? []);
  if (result.isError) {
    throw new ToolExecutionError('tool_failed', text || `MCP tool ${name} failed`, { tool: name });
  }
  return {
    tool: name,
    text,
    content: parts,
    ...(result.structuredContent !== undefined ? { structured_content: result.structuredContent } : {}),
    ...(truncated ? { truncated: true } : {}),
  };
}

function mapCallError(e: unknown): unknown {
  if (e instanceof ToolExecutionError) {
    return e;
  }
  const refused = findEgressError(e);
  if (refused) {
    return refused;
  }
  if (e instanceof McpError) {
    if (e.code === ErrorCode.InvalidParams) {
      return new ToolExecutionError('invalid_arguments', e.message, { mcp_code: e.code });
    }
    if (e.code === ErrorCode.RequestTimeout) {
      return new ToolExecutionError('tool_timeout', e.message, { mcp_code: e.code });
    }
    if (e.code === ErrorCode.MethodNotFound) {
      return new ToolExecutionError('tool_not_found', e.message, { mcp_code: e.code });
    }
    if (e.code === ErrorCode.ConnectionClosed) {
      return new ToolExecutionError('upstream_unreachable', e.message, { mcp_code: e.code });
    }
    return new ToolExecutionError('upstream_error', e.message, { mcp_code: e.code });
  }
  const status = httpStatus(e);
  if (status === 401 || status === 403) {
    return new ToolExecutionError('upstream_auth_failed', describe(e), { status });
  }
  if ((e as Error)?.name === 'AbortError') {
    return e;
  }
  return new ToolExecutionError(
    'upstream_unreachable',
    `MCP server call failed: ${describe(e)}`,
    status ? { status } : {},
  );
}

/** Resources (if the server offers them) become `McpResource` nodes; tools become `McpTool` nodes. */
async function* ingest(ctx: Ctx): AsyncIterable<IngestBatch> {
  checkShape(ctx.config);
  const tools = await mcpClientPool.listTools(ctx, ctx.config, {
    fresh: true,
    timeoutMs: timeoutOf(ctx.config),
  });
  yield {
    nodes: tools.map((t) => {
      const spec = toToolSpec(t);
      return {
        label: 'McpTool',
        key: `tool:${t.name}`,
        name: spec.name,
        description: spec.description,
        properties: { mcp_name: t.name, effect: spec.effect, title: t.title ?? null },
      };
    }),
    edges: [],
  };
  const resources: GraphNodeInput[] = await mcpClientPool.use(ctx, ctx.config, async (client) => {
    if (!client.getServerCapabilities()?.resources) {
      return [];
    }
    const out: GraphNodeInput[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor ? { cursor } : undefined, { timeout: timeoutOf(ctx.config) });
      for (const r of page.resources) {
        out.push({
          label: 'McpResource',
          key: `resource:${r.uri}`,
          name: r.name ?? r.uri,
          description: r.description ?? undefined,
          properties: { uri: r.uri, mime_type: r.mimeType ?? null, title: (r as any).title ?? null },
        });
      }
      cursor = page.nextCursor;
    } while (cursor && out.length < 10_000);
    return out;
  });
  for (let i = 0; i < resources.length; i += 500) {
    yield { nodes: resources.slice(i, i + 500), edges: [] };
  }
}

export const mcpConnector: ConnectorDefinition<McpConfig> = {
  type: 'mcp',
  displayName: 'MCP server',
  description:
    'Any Model Context Protocol server (stdio, streamable HTTP or SSE): its tools become connector tools (effect from MCP annotations); resources are ingested when offered.',
  defaultRealm: 'development',
  configSchema: {
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
  },
  secretFields: ['headers', 'env'],
  // `env` goes to the spawned command, `headers` to the url
  destinationFields: ['transport', 'url', 'command', 'args', 'cwd'],
  hostAccess: (c) => (c?.transport === 'stdio' ? 'runs a command on the API host' : null),
  validate,
  ingest,
  tools,
  executeTool,
  release: (sourceId) => mcpClientPool.closeSource(sourceId),
  close: () => mcpClientPool.closeAll(),
};
