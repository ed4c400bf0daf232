import { EventsModule } from '@libs/events';
import { MetricsModule } from '@libs/metrics/metrics.module';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { PipelinesModule } from '../pipelines/pipelines.module';
import { SourcesModule } from '../sources/sources.module';
import { TasksModule } from '../tasks/tasks.module';
import { WsGateway } from './ws.gateway';

/** agentcy-ws: WebSocket endpoint at /api/v1/ws (and /ws) on the API's HTTP server. */
@Module({
  imports: [AuthModule, EventsModule, SourcesModule, TasksModule, MetricsModule, PipelinesModule],
  providers: [WsGateway],
  exports: [WsGateway],
})
export class WsModule {}
