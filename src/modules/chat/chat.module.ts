import { SharedSecretResolver } from '@libs/auth/service-secret.resolvers';
import { EventsModule } from '@libs/events';
import { ToolGateModule } from '@libs/tool-gate';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentRunsController } from './agent-runs.controller';
import { AgentRunsService } from './agent-runs.service';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';
import { CatalogController } from './catalog.controller';
import { CatalogService } from './catalog.service';
import { ChatRuntime } from './chat-runtime.service';
import { ChatStreamService } from './chat-stream.service';
import { ChatDeps } from './chat.deps';
import {
  ApprovalEntity,
  ConversationEntity,
  IncomingEndpointEntity,
  MessageEntity,
  ToolCallEntity,
  TurnEntity,
} from './chat.entity';
import { ChatRepository } from './chat.repository';
import { ConversationsController } from './conversations.controller';
import { ConversationsService } from './conversations.service';
import { IncomingController, IncomingEndpointsController } from './incoming.controller';
import { IncomingSecretResolver, IncomingService } from './incoming.service';
import { ToolCallsService } from './tool-calls.service';
import { ToolRunner } from './tool-runner.service';
import { TurnEventsService } from './turn-events.service';
import { TurnsService } from './turns.service';

/** `/chat` (conversations, SSE turns, approvals, catalog, tool calls, inbound webhooks) and `/agents/:id/run`. */
@Module({
  imports: [
    EventsModule,
    TypeOrmModule.forFeature([
      ConversationEntity,
      MessageEntity,
      TurnEntity,
      ToolCallEntity,
      ApprovalEntity,
      IncomingEndpointEntity,
    ]),
    ToolGateModule,
  ],
  controllers: [
    ConversationsController,
    ApprovalsController,
    CatalogController,
    IncomingController,
    IncomingEndpointsController,
    AgentRunsController,
  ],
  providers: [
    ChatRepository,
    ChatDeps,
    ChatRuntime,
    TurnEventsService,
    ToolRunner,
    TurnsService,
    ConversationsService,
    ChatStreamService,
    ApprovalsService,
    ToolCallsService,
    CatalogService,
    IncomingService,
    AgentRunsService,
    IncomingSecretResolver,
    { provide: SharedSecretResolver, useExisting: IncomingSecretResolver },
  ],
  exports: [TurnsService, ToolRunner, SharedSecretResolver],
})
export class ChatModule {}
