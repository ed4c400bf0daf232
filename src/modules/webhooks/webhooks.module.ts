import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { WebhookSecretResolver } from '@libs/auth/service-secret.resolvers';
import { EgressModule } from '@libs/egress';
import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { HookInboxModule } from '@libs/queue/hook-inbox';
import { RateLimitModule } from '@libs/rate-limit';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TasksModule } from '../tasks/tasks.module';
import { HookEdge } from './hook-edge';
import { HookInboxConsumer } from './hook-inbox.consumer';
import { HookIntake } from './hook-intake.service';
import { HookSecrets } from './hook-secrets.resolver';
import { HookTriggers } from './hook-triggers';
import { HooksController, TriggersController } from './hooks.controller';
import { OutboundDispatcher } from './outbound.dispatcher';
import { OutboxWriter } from './outbox.writer';
import { TriggersService } from './triggers.service';
import { WebhookSamplesController } from './webhook-samples.controller';
import { WebhookSamplesRepository } from './webhook-samples.repository';
import { WebhookSamplesService } from './webhook-samples.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/**
 * `/hooks/*`, `/webhooks`, `/webhook-samples`, `/triggers/:id/fire`: inbound and outbound webhooks
 * and their delivery log (docs/webhooks.md). Provides the `WebhookSecretResolver` the signature
 * strategy checks `/hooks/*` with, and `HookEdge`, the fast lane of `/hooks/*` that src/bootstrap.ts
 * mounts before the body parsers; fires runs through TasksModule's `TasksContract`.
 */
@Module({
  imports: [
    TasksModule,
    AuthModule,
    EgressModule,
    EventsModule,
    IdempotencyModule,
    RateLimitModule,
    HookInboxModule,
    PrincipalChangesModule,
  ],
  controllers: [HooksController, TriggersController, WebhooksController, WebhookSamplesController],
  providers: [
    WebhooksRepository,
    WebhookSamplesRepository,
    HookIntake,
    HookTriggers,
    HookSecrets,
    HookEdge,
    HookInboxConsumer,
    { provide: WebhookSecretResolver, useExisting: HookSecrets },
    WebhooksService,
    WebhookSamplesService,
    TriggersService,
    OutboundDispatcher,
    OutboxWriter,
  ],
  exports: [WebhookSecretResolver, HookEdge],
})
export class WebhooksModule {}
