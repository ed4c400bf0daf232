import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { SharedSecretResolver } from '@libs/auth/service-secret.resolvers';
import { CryptoModule } from '@libs/crypto/crypto.module';
import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { ReplicaPresenceModule } from '@libs/redis/replica-presence.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { ChannelBindingsModule } from '../channels/channel-bindings.module';
import { GraphApiModule } from '../graph/graph.module';
import { MemoryModule } from '../memory/memory.module';
import { OrgsModule } from '../orgs/orgs.module';
import { OrgToolGateModule } from '../policies/policy-enforcement.module';
import { RagModule } from '../rag/rag.module';
import { OrgLlmModule } from '../settings/org-settings.module';
import { SettingsModule } from '../settings/settings.module';
import { SkillsCoreModule } from '../skills/skills-core.module';
import { SourcesModule } from '../sources/sources.module';
import { AgentRunsController } from './agent-runs/agent-runs.controller';
import { AgentRunsService } from './agent-runs/agent-runs.service';
import { ApprovalOutcomes } from './approvals/approval-outcomes';
import { ApprovalRequests } from './approvals/approval-requests';
import { ApprovalSignals } from './approvals/approval-signals';
import { ApprovalWaiter } from './approvals/approval-waiter';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsRepository } from './approvals/approvals.repository';
import { ApprovalsService } from './approvals/approvals.service';
import { ChatConversationsContract } from './chat-conversations.contract';
import { ChatRuntime } from './chat-runtime.service';
import { ChatTurnsContract } from './chat-turns.contract';
import {
  ApprovalEntity,
  ConversationEntity,
  IncomingEndpointEntity,
  MessageEntity,
  ToolCallEntity,
  TurnEntity,
} from './chat.entity';
import { ChatRepository } from './chat.repository';
import { ChatAgents } from './context/chat-agent';
import { ChatSecuritySettings } from './context/chat-security';
import { ConversationsCache } from './conversations-cache';
import { ChatStreamService } from './conversations/chat-stream.service';
import { ConversationsController } from './conversations/conversations.controller';
import { ConversationsService } from './conversations/conversations.service';
import { IncomingEndpointsRepository } from './incoming/incoming-endpoints.repository';
import { IncomingController, IncomingEndpointsController } from './incoming/incoming.controller';
import { IncomingSecretResolver, IncomingService } from './incoming/incoming.service';
import { CatalogMetaTools } from './tools/catalog-meta-tools';
import { CatalogController } from './tools/catalog.controller';
import { CatalogService } from './tools/catalog.service';
import { SkillMetaTools } from './tools/skill-meta-tools';
import { ToolArtifacts } from './tools/tool-artifacts';
import { ToolCallsService } from './tools/tool-calls.service';
import { ToolExecutor } from './tools/tool-executor';
import { ToolPreflight } from './tools/tool-preflight';
import { ToolResolver } from './tools/tool-resolver';
import { ToolRunner } from './tools/tool-runner.service';
import { AutomatedTurnsService } from './turns/automated-turns.service';
import { HistoryCompactor } from './turns/history-compactor';
import { ModelCall } from './turns/model-call';
import { OrphanTurnRecovery } from './turns/orphan-turn-recovery';
import { TurnContextBuilder } from './turns/turn-context';
import { TurnEventsService } from './turns/turn-events.service';
import { TurnFinisher } from './turns/turn-finisher';
import { TurnLoop } from './turns/turn-loop';
import { TurnRunner } from './turns/turn-runner';
import { TurnSweeper } from './turns/turn-sweeper';
import { TurnWatch } from './turns/turn-watch';
import { TurnsService } from './turns/turns.service';

/**
 * `/chat` (conversations, SSE turns, approvals, catalog, tool calls, inbound webhooks) and
 * `/agents/:id/run`. Other modules are reached through their exported contracts only: agents
 * (AgentsContract), settings (SettingsContract, RealmCheck → RealmsContract), sources
 * (ToolCatalogPort, AccessRequestPort), orgs (OrgsRepository), the LLM factory and the tool gate.
 * Layout and the turn state machine: docs/chat.md.
 */
@Module({
  imports: [
    CryptoModule,
    EventsModule,
    ReplicaPresenceModule,
    PrincipalChangesModule,
    TypeOrmModule.forFeature([
      ConversationEntity,
      MessageEntity,
      TurnEntity,
      ToolCallEntity,
      ApprovalEntity,
      IncomingEndpointEntity,
    ]),
    OrgToolGateModule,
    OrgLlmModule,
    OrgsModule,
    AgentsModule,
    SettingsModule,
    SourcesModule,
    IdempotencyModule,
    SkillsCoreModule,
    MemoryModule,
    RagModule,
    GraphApiModule,
    ArtifactsModule,
    // `/chat/incoming/*` messages are routed by `/bindings` (channel `incoming`) when any target the endpoint
    ChannelBindingsModule,
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
    ConversationsCache,
    ApprovalsRepository,
    IncomingEndpointsRepository,
    ChatRuntime,
    // context from other modules
    ChatAgents,
    ChatSecuritySettings,
    // tools
    ToolResolver,
    ToolPreflight,
    ToolArtifacts,
    ToolExecutor,
    CatalogMetaTools,
    SkillMetaTools,
    ToolRunner,
    ToolCallsService,
    CatalogService,
    // approvals
    ApprovalSignals,
    ApprovalRequests,
    ApprovalWaiter,
    ApprovalOutcomes,
    ApprovalsService,
    // turns
    TurnEventsService,
    ModelCall,
    HistoryCompactor,
    TurnContextBuilder,
    TurnLoop,
    TurnFinisher,
    TurnWatch,
    TurnRunner,
    TurnsService,
    OrphanTurnRecovery,
    TurnSweeper,
    AutomatedTurnsService,
    { provide: ChatTurnsContract, useExisting: AutomatedTurnsService },
    { provide: ChatConversationsContract, useExisting: ConversationsService },
    // conversations, incoming, agent runs
    ConversationsService,
    ChatStreamService,
    IncomingService,
    AgentRunsService,
    IncomingSecretResolver,
    { provide: SharedSecretResolver, useExisting: IncomingSecretResolver },
  ],
  exports: [
    TurnsService,
    ToolRunner,
    SharedSecretResolver,
    ChatTurnsContract,
    ApprovalsRepository,
    ChatConversationsContract,
  ],
})
export class ChatModule {}
