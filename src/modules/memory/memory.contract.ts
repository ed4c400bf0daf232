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

/** An entry the agent loop stores after a turn (the user asked it to remember something). */
export interface RememberInput {
  kind: string;
  text: string;
  /** the conversation's realm (already checked), or null */
  realm: string | null;
  source: { type: 'chat' | 'task' | 'channel'; conversation_id: string };
  /** the user the turn acted for, if any */
  userId: string | null;
}

/** What the memory module offers the chat loop: recall at context build, writes after a turn (exported by MemoryModule). */
export abstract class MemoryContract {
  /** The best entries for `query` (docs/memory.md, "Recall"); throws when the query cannot be embedded. */
  abstract recall(orgId: string, query: string, opts: RecallOptions): Promise<RecalledMemory[]>;
  /** Stores an entry (an equal live one is returned, `created: false`), audited as `memory.create`. */
  abstract remember(orgId: string, entry: RememberInput): Promise<{ id: string; created: boolean }>;
}
