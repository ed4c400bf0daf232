import { OrgEvents, type OrgEvent } from '@libs/events';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { isSelfTriggered, lifecycleEventOf, lifecycleFilterMatches } from './task-lifecycle';
import { TaskRunsService } from './task-runs.service';
import { TasksRepository } from './tasks.repository';

/**
 * Fires the org's enabled lifecycle tasks whose event and filter match a platform event. Listens
 * with `OrgEvents.onPublish`, so each event fires each task once, in the process that published
 * it. Like a schedule tick, a fire is skipped while a run of the task is pending or running.
 */
@Injectable()
export class LifecycleTriggers implements OnModuleInit {
  private readonly logger = new Logger(LifecycleTriggers.name);

  constructor(
    private readonly events: OrgEvents,
    private readonly repo: TasksRepository,
    private readonly runs: TaskRunsService,
  ) {}

  onModuleInit(): void {
    this.events.onPublish((orgId, event) => this.handle(orgId, event));
  }

  async handle(orgId: string, event: OrgEvent): Promise<void> {
    const name = lifecycleEventOf(event);
    if (!name) {
      return;
    }
    const data = (event.data ?? {}) as Record<string, unknown>;
    for (const task of await this.repo.lifecycleTasks(orgId, name)) {
      if (!lifecycleFilterMatches(task.triggerFilter, data) || isSelfTriggered(task.id, name, data)) {
        continue;
      }
      try {
        const run = await this.runs.fireUnlessActive(task, {
          kind: 'lifecycle',
          event: name,
          data,
          fired_at: event.ts,
        });
        if (!run) {
          this.logger.debug(`${name} did not fire task ${task.id}: a run is pending or running`);
        }
      } catch (err) {
        this.logger.warn(`${name} could not fire task ${task.id}: ${(err as Error).message}`);
      }
    }
  }
}
