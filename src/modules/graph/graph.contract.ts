/** A knowledge-graph node as the chat context step shows it to the model. */
export interface GraphContextNode {
  id: string;
  /** labels other than `Entity` */
  labels: string[];
  name: string;
  realm: string | null;
  /** the node's description, cut to a few hundred characters; null when it has none */
  summary: string | null;
}

/**
 * What other modules may ask of the org's knowledge graph beyond ingestion writes (those go
 * through `GraphWriter` in libs/graph): node counts per source for the ingestion status, the
 * removal of a purged org's graph, and the nodes relevant to a chat message. Provided by the
 * graph module's repository, exported by `GraphApiModule`.
 */
export abstract class GraphContract {
  /** Live (not archived) nodes per source id. */
  abstract liveNodeCountsBySource(orgId: string): Promise<Map<string, number>>;
  /** Deletes every node and edge of the org. */
  abstract deleteOrgGraph(orgId: string): Promise<void>;
  /**
   * The org's live nodes best matching free text (full-text index, any of its words), within
   * `realm` when given; at most `limit`, best first. Empty when the text has no searchable word.
   */
  abstract searchForContext(
    orgId: string,
    text: string,
    opts: { realm?: string | null; limit: number },
  ): Promise<GraphContextNode[]>;
}
