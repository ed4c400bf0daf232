import type { ConnectorToolSpec, JsonSchemaObject, ToolEffect } from '../connector';
import type { McpToolInfo } from './mcp-client-pool';

/** An MCP server's tool as a connector tool spec (name, effect from its annotations, input schema). */
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
