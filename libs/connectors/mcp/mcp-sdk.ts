import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type * as McpTypes from '@modelcontextprotocol/sdk/types.js';
import type { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';

/** The parts of `@modelcontextprotocol/sdk` the connector uses. */
export interface McpSdk {
  Client: typeof Client;
  SSEClientTransport: typeof SSEClientTransport;
  StdioClientTransport: typeof StdioClientTransport;
  StreamableHTTPClientTransport: typeof StreamableHTTPClientTransport;
  AjvJsonSchemaValidator: typeof AjvJsonSchemaValidator;
}

let sdk: Promise<McpSdk> | undefined;
let types: typeof McpTypes | undefined;

/**
 * `@modelcontextprotocol/sdk`, loaded when the first MCP client connects. With zod (its schemas)
 * it costs ≈ 25 MB of RSS, which an API whose orgs have no MCP source should not pay; the rest of
 * the connector imports it for types only.
 */
export function mcpSdk(): Promise<McpSdk> {
  return (sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/validation/ajv-provider.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]).then(([client, sse, stdio, streamable, ajv, t]) => {
    types = t;
    return {
      Client: client.Client,
      SSEClientTransport: sse.SSEClientTransport,
      StdioClientTransport: stdio.StdioClientTransport,
      StreamableHTTPClientTransport: streamable.StreamableHTTPClientTransport,
      AjvJsonSchemaValidator: ajv.AjvJsonSchemaValidator,
    };
  }));
}

/**
 * The SDK's `types` module once `mcpSdk()` has loaded it, else undefined: an `McpError` can only
 * exist after that, so error mapping needs no load of its own.
 */
export function loadedMcpTypes(): typeof McpTypes | undefined {
  return types;
}
