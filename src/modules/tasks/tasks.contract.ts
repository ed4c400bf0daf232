import type { Principal } from '@libs/auth/principal';

/**
 * What fired a task run; exposed to `input_template` as `trigger.*` (docs/tasks.md).
 * webhook/sample → body, headers (lower-cased, signature removed), query; schedule → fired_at, cron;
 * manual → input, user_id; fire (`POST /triggers/:id/fire`) → body, user_id.
 */
export interface TriggerContext {
  kind: 'webhook' | 'sample' | 'schedule' | 'manual' | 'fire' | 'lifecycle';
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, unknown>;
  input?: unknown;
  user_id?: string | null;
  fired_at?: string;
  cron?: string;
  /** lifecycle: the platform event and its data */
  event?: string;
  data?: Record<string, unknown>;
  /** the delivery row of a webhook / sample call */
  delivery_id?: string;
  /** the stand-alone webhook (`wh_…`) that fired it, when not the task's own trigger */
  webhook_id?: string;
}

/** The secret of a task's own webhook trigger (`/hooks/task_…`), opened for the HMAC check. */
export interface TaskHookTarget {
  taskId: string;
  orgId: string;
  enabled: boolean;
  secret: string;
}

/** A task as other modules see it (recommendations, the webhook registry's read-only mirror). */
export interface TaskSummary {
  id: string;
  name: string;
  agent: string;
  realm: string | null;
  triggerKind: 'schedule' | 'webhook' | 'manual' | 'lifecycle';
  enabled: boolean;
  inputTemplate: Record<string, unknown>;
  createdAt: Date;
}

/** An ad-hoc run without a task (a stand-alone webhook whose target is an agent). */
export interface AdHocRunTarget {
  agent: string;
  realm?: string | null;
  inputTemplate: Record<string, unknown>;
}

/** The tasks module's contract (exported by TasksModule). */
export abstract class TasksContract {
  /** The task's webhook trigger, or null when there is no such task or it is not webhook-triggered. */
  abstract hookTarget(taskId: string): Promise<TaskHookTarget | null>;
  /**
   * Creates a `pending` run and queues it; 404 when the task is not the org's, 409 `task_disabled`
   * when paused. With `runId` (an id already handed out), a run of that id that exists is returned as is.
   */
  abstract fire(orgId: string, taskId: string, trigger: TriggerContext, runId?: string): Promise<{ runId: string }>;
  /** Creates a `pending` run with no task (agent target) and queues it (`runId` as for `fire`). */
  abstract fireAdHoc(
    orgId: string,
    target: AdHocRunTarget,
    trigger: TriggerContext,
    runId?: string,
  ): Promise<{ runId: string }>;
  /** `POST /tasks` for another module (same validation, audit and response). */
  abstract create(p: Principal, body: Record<string, unknown>): Promise<{ id: string } & Record<string, unknown>>;
  /** The run's status, or null when it is not the org's. */
  abstract runStatus(orgId: string, runId: string): Promise<string | null>;
  /** Every task of the org (bounded by the org's task count). */
  abstract listForOrg(orgId: string): Promise<TaskSummary[]>;
}
