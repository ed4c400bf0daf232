import type { Readable } from 'node:stream';

/** What another module hands over when a tool call or task run produced a file. */
export interface RecordArtifactInput {
  /** file name as produced (sanitised here) */
  name: string;
  content: Buffer | Readable;
  description?: string;
  /** the producer's claim about the type; recorded, never served */
  declaredContentType?: string;
  realm?: string | null;
  conversationId?: string | null;
  taskRunId?: string | null;
  toolCallId?: string | null;
  /** default: `task_run` with a task run, `chat` with a conversation or tool call */
  sourceType?: 'chat' | 'task_run' | 'ciab' | 'snapshot';
  /** user id on whose behalf it was produced */
  createdBy?: string | null;
}

/** An artifact as other modules see it. */
export interface ArtifactSummary {
  id: string;
  name: string;
  mime: string;
  sizeBytes: number;
  sha256: string;
  conversationId: string | null;
  taskRunId: string | null;
  toolCallId: string | null;
  createdAt: Date;
}

/** An artifact's text for a model's context (chat attachments). */
export interface ArtifactText {
  id: string;
  name: string;
  mime: string;
  sizeBytes: number;
  /** the content as UTF-8 for text types (text/*, JSON), cut to the asked length; null for binaries */
  text: string | null;
  /** true when `text` is not the whole content */
  truncated: boolean;
}

/**
 * Links files produced by tool calls and task runs to the artifact store, and reads the files
 * attached to chat messages (docs/artifacts.md, docs/chat.md).
 * `record` enforces ARTIFACT_MAX_BYTES (an `AppException` 413 `payload_too_large` beyond it).
 */
export abstract class ArtifactsContract {
  abstract record(orgId: string, input: RecordArtifactInput): Promise<ArtifactSummary>;
  /** newest first, at most 200 */
  abstract listFor(
    orgId: string,
    filter: { taskRunId?: string; conversationId?: string; toolCallId?: string },
  ): Promise<ArtifactSummary[]>;
  /** the org's artifacts among `ids` (others and unknown ids are left out) */
  abstract findMany(orgId: string, ids: string[]): Promise<ArtifactSummary[]>;
  /** sets `conversation_id` on the org's artifacts among `ids` that have none yet (audited) */
  abstract linkToConversation(
    orgId: string,
    ids: string[],
    conversationId: string,
    userId: string | null,
  ): Promise<void>;
  /**
   * Labels the artifacts made in a task run's conversation that have no task run yet with
   * `task_run_id` (source type `task_run`; audited); the ids labelled.
   */
  abstract linkToTaskRun(orgId: string, conversationId: string, taskRunId: string): Promise<string[]>;
  /** the first `maxChars` characters of a text artifact (null text for binaries); null when not the org's */
  abstract readText(orgId: string, artifactId: string, maxChars: number): Promise<ArtifactText | null>;
  /** the whole content as a stream (e.g. a `/ciab-native` snapshot to restore); null when not the org's */
  abstract openContent(
    orgId: string,
    artifactId: string,
  ): Promise<{ summary: ArtifactSummary; stream: Readable } | null>;
  /** a signed, expiring download link (e.g. to show in a conversation) */
  abstract downloadUrl(orgId: string, artifactId: string): Promise<{ url: string; expiresAt: Date } | null>;
  /**
   * Per task run id, the ids of the artifacts it produced: those with its `task_run_id` or made in
   * its conversation; oldest first, at most 200 per run.
   */
  abstract idsForRuns(
    orgId: string,
    runs: { taskRunId: string; conversationId: string | null }[],
  ): Promise<Map<string, string[]>>;
  /** Deletes the blobs of every artifact of an org (its purge; the rows go with the org); the count. */
  abstract deleteOrgBlobs(orgId: string): Promise<number>;
}
