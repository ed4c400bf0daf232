import type { EnvVar } from '../env-var';

/** Scheduled tasks and pipelines. */
export const AUTOMATION_VARS: readonly EnvVar[] = [
  {
    name: 'TASK_RUN_IN_API',
    kind: 'bool',
    default: 'true',
    description:
      'Runs the task-run queue consumer (`task-runs`) inside the API process; `src/worker.ts` always runs it. Set false when worker processes run task runs.',
  },
  {
    name: 'TASK_CONCURRENCY',
    kind: 'int',
    default: '10',
    min: 1,
    description:
      'Task runs one process executes at a time (each is an agent turn; waiting for an approval holds a slot).',
  },
  {
    name: 'TASK_SCHEDULE_GRACE_SECS',
    kind: 'int',
    default: '60',
    min: 1,
    description:
      'A scheduled task tick that reaches a consumer more than this many seconds after its due time is dropped and logged (missed ticks are not back-filled).',
  },
  {
    name: 'TASK_CRON_SECONDS',
    kind: 'bool',
    default: 'false',
    description:
      'TEST ONLY: accepts 6-field cron expressions (leading seconds field) for task schedules, so tests can observe several ticks quickly. Never set it in production.',
  },
  {
    name: 'PIPELINE_RUN_RETENTION_MAX',
    kind: 'int',
    default: '100',
    min: 1,
    max: 100000,
    description:
      'Finished runs kept per /pipelines pipeline; older finished runs are deleted when a run finishes and by the hourly sweep (docs/pipelines.md).',
  },
  {
    name: 'PIPELINE_RUN_RETENTION_DAYS',
    kind: 'int',
    default: '90',
    min: 1,
    max: 3650,
    description:
      'Finished /pipelines runs older than this many days are deleted (when a run of the pipeline finishes and by the hourly sweep).',
  },
  {
    name: 'PIPELINE_SWEEP_INTERVAL_MS',
    kind: 'int',
    default: '15000',
    min: 100,
    max: 3600000,
    description:
      'Interval of the /pipelines run sweeper: active runs whose process is gone (its CHAT_INSTANCE_TTL_MS presence lapsed) end `failed`/`interrupted` and are rolled back (docs/pipelines.md).',
  },
];
