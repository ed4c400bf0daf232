import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import type { GateVerdict } from '@libs/tool-gate';
import type { ToolCallEntity } from 'src/modules/chat/chat.entity';
import type { ToolError, ToolOutcome, ToolStop } from './tool-call.types';

const MAX_MODEL_RESULT_CHARS = 32 * 1024;

export function errorResult(error: ToolError): { error: ToolError } {
  return { error: { code: error.code, message: error.message } };
}

/** A result as the model gets it: truncated to 32 KiB of JSON. */
export function forModel(result: unknown): unknown {
  const s = JSON.stringify(result ?? null);
  if (s.length <= MAX_MODEL_RESULT_CHARS) {
    return result;
  }
  return { truncated: true, preview: s.slice(0, MAX_MODEL_RESULT_CHARS) };
}

export function modelResult(o: ToolOutcome): unknown {
  return o.error ? errorResult(o.error) : forModel(o.result);
}

/** The `tool_result` SSE event of an outcome. */
export function toolResultEvent(id: string, o: ToolOutcome): Record<string, unknown> {
  return {
    tool_call_id: id,
    status: o.status,
    result: o.error ? errorResult(o.error) : (o.result ?? null),
    ...(o.error ? { error: { code: o.error.code, message: o.error.message } } : {}),
    usage_ms: o.usageMs ?? 0,
  };
}

/** The gate's verdict as stored on the tool call and returned by the manual endpoint (`policy`). */
export function policyRecord(v: GateVerdict): Record<string, unknown> {
  return { decision: v.decision, policy: v.policy, audit_id: v.auditId };
}

export function toolView(t: CatalogTool) {
  return {
    connector: t.connector,
    realm: t.realm,
    source: t.sourceName,
    source_id: t.sourceId,
    tool: t.name,
    name: t.name,
    qualified: t.qualifiedName,
    description: t.description,
    effect: t.effect,
    requires_approval: t.requiresApproval,
    input_schema: t.inputSchema,
  };
}

/** The row fields of a call that ends without running (refused before the gate or after an approval). */
export function stoppedFields(stop: ToolStop): Partial<ToolCallEntity> {
  return {
    status: stop.status,
    error: stop.error ?? null,
    policy: stop.policy ?? null,
    completedAt: new Date(),
    usageMs: 0,
  };
}
