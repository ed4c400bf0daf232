import type { Principal } from '@libs/auth/principal';
import type { Page, PageQuery } from '@libs/pagination';

/** Managing a task owned by another module (cron channels); exported by TasksModule. */
export abstract class TaskAdminContract {
  /** `PATCH /tasks/:id` for another module (same validation, audit and response). */
  abstract update(p: Principal, taskId: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** `DELETE /tasks/:id` for another module. */
  abstract remove(p: Principal, taskId: string): Promise<void>;
  /** `GET /tasks/:id/runs` for another module. */
  abstract listRuns(p: Principal, taskId: string, query: PageQuery): Promise<Page<Record<string, unknown>>>;
  /** A run's task, status and final answer, or null when it is not the org's. */
  abstract runResult(
    orgId: string,
    runId: string,
  ): Promise<{ taskId: string | null; status: string; output: string | null } | null>;
}
