import { AppConfig } from '@libs/config';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { OrgEvents, type OrgEventName } from '@libs/events';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import { SourcesContract } from 'src/modules/sources/sources.contract';
import { TasksContract } from 'src/modules/tasks/tasks.contract';
import { recommend, type OrgState } from './recommendation-rules';
import { TaskRecommendationsRepository } from './task-recommendations.repository';

/** Events that change what the rules see; each schedules a recompute of the org, debounced. */
export const RECOMPUTE_ON: readonly OrgEventName[] = [
  'job.completed',
  'job.failed',
  'source.updated',
  'approval.created',
  'approval.resolved',
  'task_run.finished',
  'task_run.failed',
];
const DEBOUNCE_MS = 2_000;

/**
 * Computes an org's recommendations from its sources, sync jobs, pending approvals, tools and
 * tasks. Runs when an org's list is read and its last computation is older than
 * `TASK_RECOMMENDATIONS_STALE_SECS`, and (debounced per org) after the events above, in the process
 * that published them.
 */
@Injectable()
export class RecommendationEngine implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RecommendationEngine.name);
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: TaskRecommendationsRepository,
    private readonly sources: SourcesContract,
    private readonly tools: ToolCatalogPort,
    private readonly approvals: ApprovalsRepository,
    private readonly tasks: TasksContract,
    private readonly events: OrgEvents,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.onPublish((orgId, event) => {
      if (RECOMPUTE_ON.includes(event.type)) {
        this.schedule(orgId);
      }
    });
  }

  onModuleDestroy(): void {
    this.pending.forEach((t) => clearTimeout(t));
    this.pending.clear();
  }

  /** Recomputes now when the last computation is older than the staleness limit (or never ran). */
  async ensureFresh(orgId: string): Promise<void> {
    const at = await this.repo.computedAt(orgId);
    if (!at || Date.now() - at.getTime() >= this.config.taskRecommendationsStaleSecs * 1000) {
      await this.recompute(orgId);
    }
  }

  /** One computation per org at a time in this process; a caller during one waits for it. */
  recompute(orgId: string): Promise<void> {
    const running = this.running.get(orgId);
    if (running) {
      return running;
    }
    const run = this.compute(orgId).finally(() => this.running.delete(orgId));
    this.running.set(orgId, run);
    return run;
  }

  private schedule(orgId: string): void {
    clearTimeout(this.pending.get(orgId));
    const timer = setTimeout(() => {
      this.pending.delete(orgId);
      this.recompute(orgId).catch((err: Error) =>
        this.logger.warn(`recomputing task recommendations of ${orgId}: ${err.message}`),
      );
    }, DEBOUNCE_MS);
    timer.unref();
    this.pending.set(orgId, timer);
  }

  private async compute(orgId: string): Promise<void> {
    const [sources, pendingApprovals, tools, tasks] = await Promise.all([
      this.sources.syncHealth(orgId),
      this.approvals.pendingCountsByTool(orgId),
      this.tools.listTools(orgId).catch(() => []),
      this.tasks.listForOrg(orgId),
    ]);
    const toolsBySource = new Map<string, string[]>();
    for (const t of tools) {
      toolsBySource.set(t.sourceId, [...(toolsBySource.get(t.sourceId) ?? []), t.qualifiedName]);
    }
    const state: OrgState = { sources, pendingApprovals, toolsBySource, tasks };
    await this.repo.replaceOpen(orgId, recommend(state));
  }
}
