import { Module } from '@nestjs/common';

/** `/notifications`: per-user notifications, pushed over the WebSocket and by e-mail (docs/notifications.md). */
@Module({})
export class NotificationsModule {}
