import type { ApprovalDefaults } from '../settings/settings.types';

/** The agent as the chat loop / tasks / channels need it (AgentsService.resolve). */
export interface ResolvedAgent {
  id: string;
  name: string;
  description: string;
  /** null/empty = the loop's base prompt only */
  systemPrompt: string | null;
  /** model override (same provider as the org's); null = org model */
  model: string | null;
  realm: string | null;
  skills: string[];
  /** connector types or source names the agent may use; null = all */
  allowedConnectors: string[] | null;
  /** alias of allowedConnectors */
  connectorsAllowlist: string[] | null;
  /** per-effect overrides of the org approval defaults; null = org defaults */
  approvalOverrides: Partial<ApprovalDefaults> | null;
  /** alias of approvalOverrides */
  approvalDefaults: Partial<ApprovalDefaults> | null;
  maxIterations: number;
  builtin: boolean;
}

/** What other modules may ask the agents module (provided by AgentsService, exported by AgentsModule). */
export abstract class AgentsContract {
  /** The agent by id or name (the org's `default` when omitted); NotFoundException (404) when unknown. */
  abstract resolve(orgId: string, agentIdOrName?: string | null): Promise<ResolvedAgent>;
}

/**
 * Vetoes deleting an agent that is still referenced (tasks, channel bindings, ...): a reason makes
 * DELETE /agents/:id answer 409 `in_use`. Provided by the module that references agents (none yet);
 * AgentsService injects it as an optional port.
 */
export abstract class AgentUsagePort {
  abstract inUse(orgId: string, agent: { id: string; name: string }): Promise<string | null | undefined>;
}
