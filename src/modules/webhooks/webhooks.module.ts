import { Module } from '@nestjs/common';

/** `/hooks/*`, `/webhooks`, `/webhook-samples`, `/triggers/:id/fire`: inbound and outbound webhooks and their delivery log (docs/webhooks.md). */
@Module({})
export class WebhooksModule {}
