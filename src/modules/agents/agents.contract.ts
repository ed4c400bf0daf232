import type { ResolvedAgent } from './agents.service';

export type { ResolvedAgent };

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
