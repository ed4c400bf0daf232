import { ConnectorConfigError, ConnectorToolSpec, ToolExecutionError } from '../connector';
import type { ConnectorTool } from '../define-connector';
import { callOperation } from './openapi-call';
import type { OpenApiConfig, OpenApiCtx } from './openapi-config';
import { loadSpec, type OpenApiOperation } from './openapi-spec';

function toSpec(op: OpenApiOperation): ConnectorToolSpec {
  return {
    name: op.name,
    description: `${op.summary}${op.summary.includes(op.path) ? '' : ` (${op.method} ${op.path})`}`,
    inputSchema: op.inputSchema,
    effect: op.effect,
    requiresApproval: op.effect === 'destructive',
  };
}

/** One tool per operation of the (cached) document. */
export async function openapiTools(ctx: OpenApiCtx): Promise<ConnectorTool<OpenApiConfig>[]> {
  const spec = await loadSpec(ctx.config, { egress: ctx.egress, signal: ctx.signal });
  return spec.operations.map((op) => ({ ...toSpec(op), run: (c, args) => callOperation(c, spec, op, args) }));
}

/** A document that cannot be loaded is the source's problem (or an unreachable upstream). */
export function toOpenApiToolError(e: unknown): unknown {
  if (e instanceof ConnectorConfigError) {
    return new ToolExecutionError(
      e.kind === 'unreachable' ? 'upstream_unreachable' : 'source_misconfigured',
      e.message,
      e.details,
    );
  }
  return e;
}

export function unknownOperation(tool: string): ToolExecutionError {
  return new ToolExecutionError('tool_not_found', `the API has no operation "${tool}"`, { tool });
}
