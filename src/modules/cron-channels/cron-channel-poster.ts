import { OrgEvents, type OrgEvent } from '@libs/events';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ChannelPostContract } from '../channels/channel-post.contract';
import { TaskAdminContract } from '../tasks/task-admin.contract';
import { CronChannelsRepository } from './cron-channels.repository';

/**
 * Posts a finished run's answer of a cron channel's task to its channel. Listens with
 * `OrgEvents.onPublish`, so each run is posted once, by the process that finished it.
 */
@Injectable()
export class CronChannelPoster implements OnModuleInit {
  private readonly logger = new Logger(CronChannelPoster.name);

  constructor(
    private readonly events: OrgEvents,
    private readonly repo: CronChannelsRepository,
    private readonly taskAdmin: TaskAdminContract,
    private readonly channels: ChannelPostContract,
  ) {}

  onModuleInit(): void {
    this.events.onPublish((orgId, event) => this.handle(orgId, event));
  }

  async handle(orgId: string, event: OrgEvent): Promise<void> {
    if (event.type !== 'task_run.finished') {
      return;
    }
    const data = event.data as { run_id: string; task_id: string | null };
    if (!data.task_id) {
      return;
    }
    const c = await this.repo.findByTask(orgId, data.task_id);
    if (!c) {
      return;
    }
    const run = await this.taskAdmin.runResult(orgId, data.run_id);
    if (!run || run.status !== 'succeeded' || !run.output) {
      await this.repo.update(orgId, c.id, { lastRunAt: new Date(), lastError: `run ${run?.status ?? 'missing'}` });
      return;
    }
    try {
      await this.channels.postToChannel(orgId, c.channel, c.target ?? {}, run.output);
      await this.repo.update(orgId, c.id, { lastRunAt: new Date(), lastError: null });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.logger.warn(`cron channel ${c.id}: ${msg}`);
      await this.repo.update(orgId, c.id, { lastRunAt: new Date(), lastError: msg.slice(0, 1000) });
    }
  }
}
