import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { ToolGate } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { catalogRealm } from 'src/modules/chat/context/chat-agent';
import { validateArgs } from './args-validator';
import { SEARCH_TOOLS } from './meta-tools';
import type { CatalogScope, PreflightResult, ToolRunContext } from './tool-call.types';
import { policyRecord } from './tool-results';

/** Whether the tool is in the catalog the conversation may see (the agent's realm / the conversation's). */
export function inCatalog(t: CatalogTool, scope: CatalogScope): boolean {
  const realm = catalogRealm(scope.agent, scope.conversationRealm);
  return !realm || t.realm === realm;
}

export type PreflightContext = Pick<
  ToolRunContext,
  'orgId' | 'agent' | 'conversationRealm' | 'security' | 'actor' | 'conversationId' | 'source'
>;

/**
 * Route, then the gate (role, agent allow-list, policy, approval defaults; audited by libs/tool-gate),
 * then argument validation. A `stop` ends the call without running it; otherwise the gate's verdict
 * (allow or approve).
 */
@Injectable()
export class ToolPreflight {
  constructor(private readonly gate: ToolGate) {}

  async check(
    ctx: PreflightContext,
    tool: CatalogTool | undefined,
    requested: string,
    args: Record<string, unknown>,
  ): Promise<PreflightResult> {
    if (tool && !inCatalog(tool, ctx)) {
      tool = undefined;
    }
    if (!tool) {
      return {
        stop: {
          status: 'failed',
          error: {
            code: 'tool_not_found',
            message: `No tool "${requested}" in the catalog; use ${SEARCH_TOOLS} to find one`,
          },
        },
      };
    }
    const verdict = await this.gate.decide({
      orgId: ctx.orgId,
      caller: ctx.actor,
      tool,
      approvalDefaults: ctx.security.approvalDefaults,
      agent: ctx.agent,
      entry: ctx.source,
      context: { conversation_id: ctx.conversationId },
    });
    if (verdict.decision === 'deny') {
      return {
        stop: {
          status: 'denied',
          error: { code: 'policy_denied', message: verdict.reason },
          policy: policyRecord(verdict),
        },
      };
    }
    const problems = validateArgs(tool.inputSchema as Record<string, unknown>, args);
    if (problems.length) {
      return {
        stop: {
          status: 'failed',
          error: { code: 'invalid_arguments', message: problems.join('; '), details: { problems } },
        },
      };
    }
    return { verdict };
  }
}
