/** One retrieved chunk with its citation (what `rag_search` gives the chat model). */
export interface RagSearchHit {
  document_id: string;
  title: string;
  chunk: number;
  realm: string;
  snippet: string;
  score: number;
}

/** What other modules may ask `/rag` (provided by RagSearchService, exported by RagModule). */
export abstract class RagSearchContract {
  /**
   * The org's chunks best matching `query` (hybrid vector + full-text search); `realms` null =
   * all the org's realms. Fails `feature_disabled` when rag is off for the org.
   */
  abstract searchForOrg(
    orgId: string,
    query: string,
    opts: { topK?: number; realms?: string[] | null },
  ): Promise<{ hits: RagSearchHit[] }>;
}
