import { ToolCatalogPort, type CatalogTool, type ToolRouteHints } from '@libs/connectors/tool-catalog.port';
import { Injectable } from '@nestjs/common';
import type { ToolCallEntity } from 'src/modules/chat/chat.entity';

export interface ExecuteInput {
  tool: string;
  connector?: string;
  /** picks one of several sources of a connector type: `source_id` beside `tool` or inside `args` */
  sourceId?: string;
  args: Record<string, unknown>;
}

/** `{tool, arguments}` (also `{connector, tool, args}`) of execute_connector_tool and the manual endpoint. */
export function parseExecuteInput(raw: Record<string, unknown>): ExecuteInput {
  const tool = typeof raw.tool === 'string' ? raw.tool : typeof raw.name === 'string' ? raw.name : '';
  const connector = typeof raw.connector === 'string' && raw.connector ? raw.connector : undefined;
  const a = raw.arguments ?? raw.args ?? raw.parameters ?? {};
  const args = a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
  const sourceId =
    typeof raw.source_id === 'string' ? raw.source_id : typeof args.source_id === 'string' ? args.source_id : undefined;
  return { tool, connector, sourceId, args };
}

/** The tool's own arguments: a routing `source_id` is dropped unless the tool itself declares one. */
export function toolArgs(tool: CatalogTool | undefined, args: Record<string, unknown>): Record<string, unknown> {
  const declared = (tool?.inputSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  if (!('source_id' in args) || 'source_id' in declared) {
    return args;
  }
  const { source_id: _routing, ...rest } = args;
  return rest;
}

/** Finds catalog tools by name, by recorded source, or from an `execute_connector_tool` input. */
@Injectable()
export class ToolResolver {
  constructor(private readonly catalog: ToolCatalogPort) {}

  listTools(orgId: string): Promise<CatalogTool[]> {
    return this.catalog.listTools(orgId);
  }

  /** `{tool}` (qualified or bare) or `{connector, tool}`; several fitting sources are routed by `hints`. */
  resolveTool(
    orgId: string,
    name: string,
    connector?: string,
    hints?: ToolRouteHints,
  ): Promise<CatalogTool | undefined> {
    if (!name) {
      return Promise.resolve(undefined);
    }
    return this.catalog.findTool(orgId, connector && !name.includes('.') ? `${connector}.${name}` : name, hints);
  }

  /**
   * The tool a recorded call was made against, by its source id: names can change between the
   * approval request and its decision (a second source of the type renames `kubernetes.x` to
   * `<source>.x`), the source cannot. Falls back to the name for calls recorded without a source.
   */
  async resolveRecorded(
    orgId: string,
    call: Pick<ToolCallEntity, 'sourceId' | 'tool'>,
  ): Promise<CatalogTool | undefined> {
    if (!call.tool) {
      return undefined;
    }
    if (!call.sourceId) {
      return this.resolveTool(orgId, call.tool);
    }
    const name = call.tool.slice(call.tool.lastIndexOf('.') + 1);
    return (await this.catalog.listTools(orgId)).find((t) => t.sourceId === call.sourceId && t.name === name);
  }

  /**
   * An `execute_connector_tool` call (from the model or the manual endpoint): its tool, routed by
   * `source_id` and the conversation realm, and the tool's own arguments.
   */
  async resolveExecuteCall(
    orgId: string,
    raw: Record<string, unknown>,
    conversationRealm: string | null,
  ): Promise<{ tool: CatalogTool | undefined; input: ExecuteInput }> {
    const parsed = parseExecuteInput(raw);
    const tool = await this.resolveTool(orgId, parsed.tool, parsed.connector, {
      sourceId: parsed.sourceId,
      realm: conversationRealm,
    });
    return { tool, input: { ...parsed, args: toolArgs(tool, parsed.args) } };
  }
}
