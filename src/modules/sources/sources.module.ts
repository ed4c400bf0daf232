import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConnectorsModule } from '@libs/connectors/connectors.module';
import { ToolCatalogPort } from '@libs/connectors/tool-catalog.port';
import { GraphWriter } from '@libs/graph/graph-writer';
import { QueueModule } from '@libs/queue/queue.module';
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
 * ToolCatalogPort and ingestion can reuse SyncService/SourcesService.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([SourceEntity, SyncJobEntity, OAuthStateEntity]), ConnectorsModule, QueueModule],
  controllers: [SourcesOAuthController, SourcesController],
  providers: [SourcesRepository, SourceRuntime, SourcesService, SyncService, SourcesOAuthService, GraphWriter, IngestRunner, SyncScheduler, SourceToolCatalog, { provide: ToolCatalogPort, useExisting: SourceToolCatalog }],
  exports: [ToolCatalogPort, SourcesService, SyncService, SourcesRepository, SourceRuntime, GraphWriter, ConnectorsModule, QueueModule],
})
export class SourcesModule {}
