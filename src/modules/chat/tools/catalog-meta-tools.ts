import { AuditService } from '@libs/audit';
import { AccessRequestPort } from '@libs/connectors/access-request.port';
import { ToolExecutionError } from '@libs/connectors/connector';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { AppException } from '@libs/errors';
import { allowedByAgent } from '@libs/tool-gate';
import { Injectable, Optional } from '@nestjs/common';
import { RagSearchContract } from 'src/modules/rag/rag.contract';
import type { CatalogScope, ToolRunContext } from './tool-call.types';
import { inCatalog } from './tool-preflight';
import { ToolResolver } from './tool-resolver';
import { toolView } from './tool-results';
import { rankTools } from './tool-search';

interface ConnectorView {
  name: string;
  display_name: string;
  connector: string;
  source_id: string;
  realm: string;
  tool_count: number;
  status: string;
}

/** Viewers see read tools only (tools-and-catalog.md §4); the gate refuses the others anyway. */
export function visibleTools(tools: CatalogTool[], scope: CatalogScope): CatalogTool[] {
  return tools.filter(
    (t) =>
      allowedByAgent(scope.agent, t) && inCatalog(t, scope) && (scope.actor?.role !== 'viewer' || t.effect === 'read'),
  );
}

/** The meta-tools other than execute_connector_tool: list_connectors, search_tools, request_connector_access, rag_search. */
@Injectable()
export class CatalogMetaTools {
  constructor(
    private readonly resolver: ToolResolver,
    private readonly accessRequests: AccessRequestPort,
    private readonly audit: AuditService,
    @Optional() private readonly rag?: RagSearchContract,
  ) {}

  /** rag_search: the org's /rag passages, in the conversation's realm when it has one. */
  async ragSearch(ctx: ToolRunContext, query: string, topK: number) {
    if (!query.trim()) {
      throw new ToolExecutionError('invalid_arguments', '"query" is required: what to look for in the documents');
    }
    if (!this.rag) {
      throw new ToolExecutionError('feature_disabled', 'Document search (rag) is not available');
    }
    try {
      return await this.rag.searchForOrg(ctx.orgId, query.trim().slice(0, 2000), {
        topK: Number.isInteger(topK) && topK > 0 ? Math.min(topK, 20) : 5,
        realms: ctx.conversationRealm ? [ctx.conversationRealm] : null,
      });
    } catch (err) {
      if (err instanceof AppException) {
        throw new ToolExecutionError(err.code, err.message);
      }
      throw err;
    }
  }

  async listConnectors(orgId: string, scope: CatalogScope): Promise<{ connectors: ConnectorView[] }> {
    const tools = visibleTools(await this.resolver.listTools(orgId), scope);
    const bySource = new Map<string, ConnectorView>();
    for (const t of tools) {
      const c = bySource.get(t.sourceId) ?? {
        name: t.sourceName,
        display_name: t.connectorDisplayName,
        connector: t.connector,
        source_id: t.sourceId,
        realm: t.realm,
        tool_count: 0,
        status: 'active',
      };
      c.tool_count += 1;
      bySource.set(t.sourceId, c);
    }
    return { connectors: [...bySource.values()].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async searchTools(orgId: string, query: string, topK: number, scope: CatalogScope) {
    const k = Number.isInteger(topK) && topK > 0 ? Math.min(topK, 20) : 5;
    const tools = visibleTools(await this.resolver.listTools(orgId), scope);
    return { tools: rankTools(tools, query, k).map((r) => ({ ...toolView(r.tool), score: r.score })) };
  }

  async requestAccess(ctx: ToolRunContext, connector: string, reason: string) {
    if (!connector.trim()) {
      throw new ToolExecutionError(
        'invalid_arguments',
        '"connector" is required: the connector (or source) you need access to',
      );
    }
    const request = await this.accessRequests.open({
      orgId: ctx.orgId,
      userId: ctx.actor.userId,
      connector: connector.trim(),
      reason,
      conversationId: ctx.conversationId,
    });
    await this.audit.record({
      orgId: ctx.orgId,
      category: 'chat',
      action: 'chat.connector_access.requested',
      result: 'success',
      actor: ctx.actor.userId ? { userId: ctx.actor.userId, email: ctx.actor.email ?? '' } : null,
      target: { type: 'access_request', id: request.id, connector, conversation_id: ctx.conversationId },
      details: { reason },
    });
    return { request_id: request.id, status: request.status };
  }
}
