import { defineConnector } from '../define-connector';
import { mcpClientPool, type McpConfig } from './mcp-client-pool';
import { MCP_CONFIG_SCHEMA } from './mcp-config';
import { mapCallError } from './mcp-errors';
import { ingestMcp, validateMcp } from './mcp-ingest';
import { checkToolConfig, findMcpTool, mcpTools } from './mcp-tools';

export { mcpClientPool, type McpConfig } from './mcp-client-pool';
export { effectFor, toolNameFor, toToolSpec } from './mcp-tool-spec';

/**
 * MCP connector: the server's tools are the source's tools. Files: mcp-client-pool (one client per
 * source, egress-guarded transports), mcp-config, mcp-tool-spec, mcp-tools (list, lookup, call),
 * mcp-errors, mcp-ingest (validate, tools and resources as nodes).
 */
export const mcpConnector = defineConnector<McpConfig>({
  type: 'mcp',
  displayName: 'MCP server',
  description:
    'Any Model Context Protocol server (stdio, streamable HTTP or SSE): its tools become connector tools (effect from MCP annotations); resources are ingested when offered.',
  defaultRealm: 'development',
  configSchema: MCP_CONFIG_SCHEMA,
  secretFields: ['headers', 'env'],
  // `env` goes to the spawned command, `headers` to the url
  destinationFields: ['transport', 'url', 'command', 'args', 'cwd'],
  hostAccess: (c) => (c?.transport === 'stdio' ? 'runs a command on the API host' : null),
  validate: validateMcp,
  ingest: ingestMcp,
  tools: mcpTools,
  beforeTool: checkToolConfig,
  findTool: findMcpTool,
  toolError: mapCallError,
  release: (sourceId) => mcpClientPool.closeSource(sourceId),
  close: () => mcpClientPool.closeAll(),
});
