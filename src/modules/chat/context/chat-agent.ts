import { AppConfig } from '@libs/config';
import { NotFoundException } from '@libs/errors';
import { normalizeApprovalDefaults, type ApprovalDefaults } from '@libs/tool-gate';
import { Injectable } from '@nestjs/common';
import { AgentsContract, type ResolvedAgent } from 'src/modules/agents/agents.contract';

/** The agent as the loop needs it. */
export interface ChatAgent {
  id: string | null;
  name: string;
  systemPrompt: string | null;
  model: string | null;
  realm: string | null;
  maxIterations: number;
  approvalDefaults: Partial<ApprovalDefaults> | null;
  connectorsAllowlist: string[] | null;
  /** skill slugs auto-enabled in every conversation of the agent (docs/skills.md) */
  skills?: string[];
}

/**
 * The realm the catalog is limited to in a conversation: connectors of other realms are hidden
 * unless the agent has no realm (tools-and-catalog.md §2).
 */
export function catalogRealm(agent: ChatAgent, conversationRealm: string | null): string | null {
  return agent.realm ? (conversationRealm ?? agent.realm) : null;
}

/** Resolves the agent of a conversation / run through the agents module's contract. */
@Injectable()
export class ChatAgents {
  constructor(
    private readonly agents: AgentsContract,
    private readonly config: AppConfig,
  ) {}

  /** By id or name; `default` always exists. Unknown → 404 `Agent`. */
  async agent(orgId: string, idOrName?: string | null): Promise<ChatAgent> {
    let raw: ResolvedAgent | null | undefined;
    try {
      raw = await this.agents.resolve(orgId, idOrName ?? undefined);
    } catch (err) {
      if ((err as { status?: number }).status === 404) {
        throw new NotFoundException('Agent');
      }
      throw err;
    }
    if (!raw) {
      throw new NotFoundException('Agent');
    }
    return this.toChatAgent(raw);
  }

  private toChatAgent(raw: ResolvedAgent): ChatAgent {
    const max = Number(raw.maxIterations ?? this.config.llm.maxIterations);
    return {
      id: raw.id ?? null,
      name: raw.name ?? 'default',
      systemPrompt: raw.systemPrompt ?? null,
      model: raw.model ?? null,
      realm: raw.realm ?? null,
      maxIterations: Number.isInteger(max) && max > 0 ? max : this.config.llm.maxIterations,
      approvalDefaults: normalizeApprovalDefaults(raw.approvalDefaults),
      connectorsAllowlist: Array.isArray(raw.connectorsAllowlist) ? raw.connectorsAllowlist : null,
      skills: Array.isArray(raw.skills) ? raw.skills : [],
    };
  }
}
