import type { ConnectorToolSpec, ToolEffect } from './connector';

/** A connector tool as the catalog and the chat see it. */
export interface CatalogTool {
  /** `<connector type>.<tool>` when the org has one source of that type, else `<source name>.<tool>`; unique within the org */
  qualifiedName: string;
  sourceId: string;
  sourceName: string;
  /** connector type, e.g. `kubernetes` */
  connector: string;
  /** the connector type's display name, e.g. `Kubernetes` */
  connectorDisplayName: string;
  /** realm of the source the tool belongs to */
  realm: string;
  name: string;
  description: string;
  inputSchema: ConnectorToolSpec['inputSchema'];
  effect: ToolEffect;
  requiresApproval: boolean;
}

export interface ToolRouteHints {
  sourceId?: string | null;
  realm?: string | null;
}

/**
 * What the chat needs from the sources side: the org's tools and a way to run one.
 * Implemented by the sources module, consumed by chat/agents/tasks.
 */
export abstract class ToolCatalogPort {
  abstract listTools(orgId: string): Promise<CatalogTool[]>;
  /**
   * Resolves a qualified name, `<connector type|source name>.<tool>` or a bare tool name. When several
   * sources fit (tools-and-catalog.md §5, route): `hints.sourceId` picks one, else the one in
   * `hints.realm`, else the first created. Undefined when none fits.
   */
  abstract findTool(orgId: string, name: string, hints?: ToolRouteHints): Promise<CatalogTool | undefined>;
  /** Runs the tool. Throws ToolExecutionError for failures the model should see. */
  abstract execute(
    orgId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown>;
}
