import type { ResolvedAgent } from './agents.service';

export type { ResolvedAgent };

/** What other modules may ask the agents module (provided by AgentsService, exported by AgentsModule). */
export abstract class AgentsContract {
  /** The agent by id or name (the org's `default` when omitted); NotFoundException (404) when unknown. */
  abstract resolve(orgId: string, agentIdOrName?: string | null): Promise<ResolvedAgent>;
}
