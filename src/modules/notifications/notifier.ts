import { prefixedId } from '@libs/database/ids';
import { OrgEvents } from '@libs/events';
import { Injectable, Logger } from '@nestjs/common';
import { toNotificationDto } from './dto/notification.dto';
import { NotificationEmail } from './notification-email';
import type { NotificationType } from './notification.entity';
import { NotificationsRepository } from './notifications.repository';

export interface NewNotification {
  type: NotificationType;
  title: string;
  body?: string;
  link?: string | null;
  data?: Record<string, unknown>;
  /** at most one notification per recipient and key */
  dedupeKey?: string;
}

/**
 * Creates notifications: one row per recipient, then `notification.created` on the org's events
 * (the WebSocket sends it to that user only) and, per the recipient's preference, an e-mail.
 */
@Injectable()
export class Notifier {
  private readonly logger = new Logger(Notifier.name);

  constructor(
    private readonly repo: NotificationsRepository,
    private readonly events: OrgEvents,
    private readonly email: NotificationEmail,
  ) {}

  async notify(orgId: string, userIds: string[], n: NewNotification): Promise<void> {
    for (const userId of new Set(userIds)) {
      const row = await this.repo.insert({
        id: prefixedId('ntf'),
        orgId,
        userId,
        type: n.type,
        title: n.title.slice(0, 300),
        body: n.body ?? '',
        link: n.link ?? null,
        data: n.data ?? {},
        dedupeKey: n.dedupeKey ?? null,
      });
      if (!row) {
        continue;
      }
      await this.events.publish(orgId, 'notification.created', {
        ...toNotificationDto(row),
        user_id: userId,
        kind: row.type,
      });
      await this.email.maybeSend(row).catch((err: Error) => this.logger.warn(`notification e-mail: ${err.message}`));
    }
  }
}
