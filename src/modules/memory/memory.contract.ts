/** A recalled memory as the chat loop uses it. */
export interface RecalledMemory {
  id: string;
  kind: string;
  text: string;
  realm: string | null;
  score: number;
}

export interface RecallOptions {
  /** undefined: every realm; a realm: that realm plus the realm-less entries */
  realm?: string | null;
  kinds?: string[];
  topK: number;
}

/** What the memory module offers the chat loop's context step (exported by MemoryModule). */
export abstract class MemoryContract {
  /** The best entries for `query` (docs/memory.md, "Recall"); throws when the query cannot be embedded. */
  abstract recall(orgId: string, query: string, opts: RecallOptions): Promise<RecalledMemory[]>;
}
