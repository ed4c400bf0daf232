import type { DynamicModule, Type } from '@nestjs/common';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { ChannelsModule } from '../channels/channels.module';
import { ContextPipelinesModule } from '../context-pipelines/context-pipelines.module';
import { CronChannelsModule } from '../cron-channels/cron-channels.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { TaskRecommendationsModule } from '../task-recommendations/task-recommendations.module';
import { TasksModule } from '../tasks/tasks.module';
import { WebhooksModule } from '../webhooks/webhooks.module';

/** Route-group modules of the automation area; owned by that area, listed once in feature-modules.ts. */
export const AUTOMATION_MODULES: (Type<unknown> | DynamicModule)[] = [
  TasksModule,
  WebhooksModule,
  NotificationsModule,
  TaskRecommendationsModule,
  ArtifactsModule,
  ContextPipelinesModule,
  ChannelsModule,
  PipelinesModule,
  CronChannelsModule,
];
