import { ToolExecutionError } from '../connector';
import type { ConnectorTool } from '../define-connector';
import { mcpClientPool, type McpConfig, type McpToolInfo } from './mcp-client-pool';
import { checkShape, timeoutOf, type McpCtx } from './mcp-config';
import { describe } from './mcp-errors';
import { toolNameFor, toToolSpec } from './mcp-tool-spec';

const MAX_TEXT = 64_000;

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

/** Calls a tool of the server (by its MCP name) and flattens the content parts. */
async function callMcpTool(ctx: McpCtx, name: string, args: Record<string, unknown>): Promise<unknown> {
  const result: any = await mcpClientPool.use(ctx, ctx.config, (client) =>
    client.callTool({ name, arguments: args }, undefined, {
      timeout: timeoutOf(ctx.config),
      signal: ctx.signal,
    }),
  );
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

function asTool(t: McpToolInfo): ConnectorTool<McpConfig> {
  return { ...toToolSpec(t), run: (ctx, args) => callMcpTool(ctx, t.name, args) };
}

/** The server's tools (listing cached by the pool). */
export async function mcpTools(ctx: McpCtx): Promise<ConnectorTool<McpConfig>[]> {
  checkShape(ctx.config);
  const list = await mcpClientPool.listTools(ctx, ctx.config, { timeoutMs: timeoutOf(ctx.config) });
  return list.map(asTool);
}

/** A tool by its qualified-safe or raw MCP name; on a miss the listing is fetched once more. */
export async function findMcpTool(ctx: McpCtx, tool: string): Promise<ConnectorTool<McpConfig>> {
  let list = await mcpClientPool.listTools(ctx, ctx.config, { timeoutMs: timeoutOf(ctx.config) });
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
  return asTool(target);
}

/** A config that fails the shape check is the source's problem. */
export function checkToolConfig(ctx: McpCtx): void {
  try {
    checkShape(ctx.config);
  } catch (e) {
    throw new ToolExecutionError('source_misconfigured', describe(e));
  }
}
