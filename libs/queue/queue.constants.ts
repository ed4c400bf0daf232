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

/** Task runs (docs/tasks.md): BullMQ job id = run id; the task_runs row is the source of truth. */
export const TASK_RUN_QUEUE = 'task-runs';
/** Scheduled-task ticks: one BullMQ job scheduler per schedule task (scheduler id = task id). */
export const TASK_SCHEDULE_QUEUE = 'task-schedules';

export interface TaskRunJobPayload {
  runId: string;
  orgId: string;
}

export interface TaskTickPayload {
  taskId: string;
  orgId: string;
  cron: string;
}
