import { AppConfig } from '@libs/config';
import { HookInbox } from '@libs/queue/hook-inbox';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { hostname } from 'node:os';
import { hookCallOfInbox } from './hook-inbox-entry';
import { HookIntake } from './hook-intake.service';

/**
 * Turns the `/hooks` calls the fast lane accepted into their delivery and run rows (HookIntake):
 * API processes unless HOOK_INBOX_CONSUMER=false, and src/worker.ts. It queues runs; it does not
 * execute them (that is TASK_RUN_IN_API).
 */
@Injectable()
export class HookInboxConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly inbox: HookInbox,
    private readonly intake: HookIntake,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.inboxConsumer || !this.intake.hasTasks) {
      return;
    }
    this.inbox.consume(`${hostname()}:${process.pid}`, (entry) =>
      this.intake.acceptFromInbox(entry.orgId, hookCallOfInbox(entry.fields)),
    );
  }
}
