import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OAuthStateEntity } from './oauth-state.entity';
import { SourceEntity } from './source.entity';
import { SourcesContract } from './sources.contract';
import { SourcesRepository } from './sources.repository';
import { SyncJobEntity } from './sync-job.entity';

/**
 * The sources store (sources, sync_jobs, oauth_states) and `SourcesContract`. It imports no
 * feature module, so modules that `SourcesModule` depends on (settings → realms) can import it
 * without a cycle.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SourceEntity, SyncJobEntity, OAuthStateEntity])],
  providers: [SourcesRepository, { provide: SourcesContract, useExisting: SourcesRepository }],
  exports: [SourcesRepository, SourcesContract],
})
export class SourcesStoreModule {}
