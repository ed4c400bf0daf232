import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { MailModule } from '@libs/mail';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule } from '../chat/chat.module';
import { OrgsModule } from '../orgs/orgs.module';
import { NotificationEmail } from './notification-email';
import { NotificationRecipients } from './notification-recipients';
import { NotificationTriggers } from './notification-triggers';
import { NotificationEntity, NotificationPreferenceEntity } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';
import { Notifier } from './notifier';

/**
 * `/notifications`: per-user notifications created from org events (approvals, failed syncs, task
 * runs, access requests), pushed over the WebSocket and, per preference, by e-mail
 * (docs/notifications.md). Reads users through OrgsModule and approvals through ChatModule.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([NotificationEntity, NotificationPreferenceEntity]),
    EventsModule,
    MailModule,
    OrgsModule,
    ChatModule,
    IdempotencyModule,
  ],
  controllers: [NotificationsController],
  providers: [
    NotificationsRepository,
    NotificationsService,
    NotificationRecipients,
    NotificationEmail,
    Notifier,
    NotificationTriggers,
  ],
})
export class NotificationsModule {}
