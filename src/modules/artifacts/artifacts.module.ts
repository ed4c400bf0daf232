import { AppConfig } from '@libs/config';
import { IdempotencyModule } from '@libs/idempotency';
import { BlobStore, StorageModule } from '@libs/storage';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ArtifactLinkSigner } from './artifact-links';
import { ArtifactEntity } from './artifact.entity';
import { ArtifactsContract } from './artifacts.contract';
import { ArtifactsController } from './artifacts.controller';
import { ArtifactsRecorder } from './artifacts.recorder';
import { ArtifactsRepository } from './artifacts.repository';
import { ArtifactsService } from './artifacts.service';
import { BlobStorageEngine } from './blob-storage.engine';

/**
 * `/artifacts`: files of an org in the configured blob store (local disk or S3-compatible),
 * downloaded through signed expiring links (docs/artifacts.md). Exports `ArtifactsContract` for
 * the modules whose tool calls and task runs produce files.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ArtifactEntity]),
    StorageModule,
    IdempotencyModule,
    MulterModule.registerAsync({
      imports: [StorageModule],
      inject: [BlobStore, AppConfig],
      useFactory: (store: BlobStore, config: AppConfig) => ({
        storage: new BlobStorageEngine(store, config.artifacts.maxBytes),
        defParamCharset: 'utf8',
        limits: { fileSize: config.artifacts.maxBytes, files: 1, fields: 10, fieldSize: 4096, parts: 11 },
      }),
    }),
  ],
  controllers: [ArtifactsController],
  providers: [
    ArtifactsRepository,
    ArtifactLinkSigner,
    ArtifactsRecorder,
    ArtifactsService,
    { provide: ArtifactsContract, useExisting: ArtifactsRecorder },
  ],
  exports: [ArtifactsContract],
})
export class ArtifactsModule {}
