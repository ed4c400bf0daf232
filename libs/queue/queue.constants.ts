/** Queue names (BullMQ prefixes them with REDIS_PREFIX, so test runs and installs are isolated). */
export const INGEST_QUEUE = 'ingest';

/** Payload of an ingestion job; the sync_jobs row (same id) is the source of truth for its state. */
export interface IngestJobPayload {
  jobId: string;
  orgId: string;
  sourceId: string;
}

export const INGEST_ATTEMPTS = 3;
export const INGEST_BACKOFF_MS = 1000;
