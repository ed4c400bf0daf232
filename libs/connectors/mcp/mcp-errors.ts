import { findEgressError } from '@libs/egress/egress.errors';
import { ToolExecutionError } from '../connector';
import { loadedMcpTypes } from './mcp-sdk';

/** How a failed MCP call reaches the model. */
export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function httpStatus(e: unknown): number | undefined {
  const code = (e as any)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

export function mapCallError(e: unknown): unknown {
  if (e instanceof ToolExecutionError) {
    return e;
  }
  const refused = findEgressError(e);
  if (refused) {
    return refused;
  }
  // an McpError exists only once the SDK is loaded (mcp-sdk.ts)
  const types = loadedMcpTypes();
  if (types && e instanceof types.McpError) {
    const { ErrorCode } = types;
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
