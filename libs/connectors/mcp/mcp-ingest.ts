import { findEgressError } from '@libs/egress/egress.errors';
import { ConnectorConfigError, type GraphNodeInput, type IngestBatch, type ValidationResult } from '../connector';
import { mcpClientPool } from './mcp-client-pool';
import { checkShape, timeoutOf, type McpCtx } from './mcp-config';
import { describe, httpStatus } from './mcp-errors';
import { toolNameFor, toToolSpec } from './mcp-tool-spec';

/** Connects, lists the tools and reads the server's version and capabilities. */
export async function validateMcp(ctx: McpCtx): Promise<ValidationResult> {
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

/** Resources (if the server offers them) become `McpResource` nodes; tools become `McpTool` nodes. */
export async function* ingestMcp(ctx: McpCtx): AsyncIterable<IngestBatch> {
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
