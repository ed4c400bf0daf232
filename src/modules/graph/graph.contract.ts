/**
 * What other modules may ask of the org's knowledge graph beyond ingestion writes (those go
 * through `GraphWriter` in libs/graph): node counts per source for the ingestion status, and the
 * removal of a purged org's graph. Provided by the graph module's repository, exported by
 * `GraphApiModule`.
 */
export abstract class GraphContract {
  /** Live (not archived) nodes per source id. */
  abstract liveNodeCountsBySource(orgId: string): Promise<Map<string, number>>;
  /** Deletes every node and edge of the org. */
  abstract deleteOrgGraph(orgId: string): Promise<void>;
}
