import { AppConfig } from '@libs/config';
import { OrgEvents, type OrgEvent } from '@libs/events';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ApprovalsRepository } from 'src/modules/chat/approvals/approvals.repository';
import { NotificationRecipients } from './notification-recipients';
import { planFor, type Audience, type NotificationPlan } from './notification-rules';
import { Notifier } from './notifier';

/**
 * Turns org events into notifications. It listens with `OrgEvents.onPublish`, so each event is
 * handled once, in the process that published it. A delayed chat-approval check is a timer in that
 * process (lost if it stops first; the approval itself stays listed under /chat/approvals).
 */
@Injectable()
export class NotificationTriggers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(NotificationTriggers.name);
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly events: OrgEvents,
    private readonly notifier: Notifier,
    private readonly recipients: NotificationRecipients,
    private readonly approvals: ApprovalsRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.events.onPublish((orgId, event) => this.handle(orgId, event));
  }

  onModuleDestroy(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
  }

  async handle(orgId: string, event: OrgEvent): Promise<void> {
    const plan = planFor(event, this.config.notifyChatApprovalDelaySecs);
    if (!plan) {
      return;
    }
    if (plan.whenStillPending) {
      this.later(orgId, plan, plan.whenStillPending);
      return;
    }
    await this.deliver(orgId, plan);
  }

  private later(orgId: string, plan: NotificationPlan, check: { approvalId: string; afterSecs: number }): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.approvals
        .findApproval(orgId, check.approvalId)
        .then((a) => (a?.status === 'pending' && a.expiresAt > new Date() ? this.deliver(orgId, plan) : undefined))
        .catch((err: Error) => this.logger.warn(`approval notification for ${check.approvalId}: ${err.message}`));
    }, check.afterSecs * 1000);
    timer.unref();
    this.timers.add(timer);
  }

  private async deliver(orgId: string, plan: NotificationPlan): Promise<void> {
    const users = await this.audience(orgId, plan.audience);
    if (users.length) {
      await this.notifier.notify(orgId, users, plan.notification);
    }
  }

  private async audience(orgId: string, a: Audience): Promise<string[]> {
    switch (a.kind) {
      case 'admins':
        return [...(await this.recipients.admins(orgId)), ...(await this.recipients.user(orgId, a.plus))];
      case 'user':
        return this.recipients.user(orgId, a.userId);
      case 'user_or_admins':
        return this.recipients.userOrAdmins(orgId, a.userId);
    }
  }
}
