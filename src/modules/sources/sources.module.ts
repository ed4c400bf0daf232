import { AccessRequestPort } from '@libs/connectors/access-request.port';
import { ConnectorsModule } from '@libs/connectors/connectors.module';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { CryptoModule } from '@libs/crypto/crypto.module';
import { EgressModule } from '@libs/egress';
import { EventsModule } from '@libs/events';
import { GraphWriter } from '@libs/graph/graph-writer';
import { GraphModule } from '@libs/graph/graph.module';
import { IdempotencyModule } from '@libs/idempotency';
import { MetricsModule } from '@libs/metrics/metrics.module';
import { QueueModule } from '@libs/queue/queue.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrgsModule } from '../orgs/orgs.module';
import { OrgToolGateModule } from '../policies/policy-enforcement.module';
import { SettingsModule } from '../settings/settings.module';
import { WorkersModule } from '../workers/workers.module';
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
import { SourcesStoreModule } from './sources-store.module';
import { SourcesController, SourcesOAuthController } from './sources.controller';
import { SourcesService } from './sources.service';
import { SyncJobEntity } from './sync-job.entity';
import { SyncScheduler } from './sync-scheduler.service';
import { SyncService } from './sync.service';

/**
 * /sources: connector CRUD, validation, sync jobs, OAuth. Exports the ports chat uses
 * (ToolCatalogPort, AccessRequestPort) and the services ingestion and the WebSocket gateway reuse.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SourceEntity, SyncJobEntity, OAuthStateEntity, AccessRequestEntity]),
    ConnectorsModule,
    CryptoModule,
    IdempotencyModule,
    QueueModule,
    MetricsModule,
    EgressModule,
    EventsModule,
    OrgToolGateModule,
    SettingsModule,
    SourcesStoreModule,
    GraphModule,
    OrgsModule,
    WorkersModule,
  ],
  controllers: [SourcesOAuthController, AccessRequestsController, SourcesController],
  providers: [
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
    SourcesStoreModule,
    SourceRuntime,
    GraphWriter,
  ],
})
export class SourcesModule {}
