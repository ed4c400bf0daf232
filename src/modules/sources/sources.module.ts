import { AccessRequestPort } from '@libs/connectors/access-request.port';
import { ConnectorsModule } from '@libs/connectors/connectors.module';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { EgressModule } from '@libs/egress';
import { EventsModule } from '@libs/events';
import { GraphWriter } from '@libs/graph/graph-writer';
import { QueueModule } from '@libs/queue/queue.module';
import { ToolGateModule } from '@libs/tool-gate';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingsModule } from '../settings/settings.module';
import { AccessRequestEntity } from './access-request.entity';
import { AccessRequestsController } from './access-requests.controller';
import { AccessRequestsRepository } from './access-requests.repository';
import { AccessRequestsService } from './access-requests.service';
import { DirectToolGate } from './direct-tool-gate';
import { IngestRunner } from './ingest-runner.service';
import { OAuthStateEntity } from './oauth-state.entity';
import { SourcesOAuthService } from './oauth.service';
import { SourceRuntime } from './source-runtime.service';
import { SourceToolCatalog } from './source-tool-catalog';
import { SourceEntity } from './source.entity';
import { SourcesController, SourcesOAuthController } from './sources.controller';
import { SourcesRepository } from './sources.repository';
import { SourcesService } from './sources.service';
import { SyncJobEntity } from './sync-job.entity';
import { SyncScheduler } from './sync-scheduler.service';
import { SyncService } from './sync.service';

/**
 * /sources: connector CRUD, validation, sync jobs, OAuth. Global so that chat can inject
 * ToolCatalogPort / AccessRequestPort and ingestion can reuse SyncService/SourcesService.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([SourceEntity, SyncJobEntity, OAuthStateEntity, AccessRequestEntity]),
    ConnectorsModule,
    QueueModule,
    EgressModule,
    EventsModule,
    ToolGateModule,
    SettingsModule,
  ],
  controllers: [SourcesOAuthController, AccessRequestsController, SourcesController],
  providers: [
    SourcesRepository,
    SourceRuntime,
    SourcesService,
    DirectToolGate,
    SyncService,
    SourcesOAuthService,
    GraphWriter,
    IngestRunner,
    SyncScheduler,
    SourceToolCatalog,
    { provide: ToolCatalogPort, useExisting: SourceToolCatalog },
    AccessRequestsRepository,
    AccessRequestsService,
    { provide: AccessRequestPort, useExisting: AccessRequestsService },
  ],
  exports: [
    ToolCatalogPort,
    AccessRequestPort,
    SourcesService,
    SyncService,
    SourcesRepository,
    SourceRuntime,
    GraphWriter,
    ConnectorsModule,
    QueueModule,
  ],
})
export class SourcesModule {}
