import { AppConfig } from '@libs/config';
import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-blob-store';
import { S3BlobStore } from './s3-blob-store';

/** Picks the configured backend (AGENTCY_ARTIFACT_BACKEND) once. */
export function blobStoreFor(config: AppConfig): BlobStore {
  if (config.artifacts.backend === 's3') {
    return new S3BlobStore({ ...config.s3, bucket: config.s3.bucket!, spoolDir: join(config.uploadDir, 'spool') });
  }
  return new LocalBlobStore(join(config.uploadDir, 'artifacts'));
}

@Injectable()
class BlobStoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(BlobStore) private readonly store: BlobStore) {}

  onApplicationShutdown(): void {
    if (this.store instanceof S3BlobStore) {
      this.store.destroy();
    }
  }
}

/** Provides the `BlobStore` port, local disk under UPLOAD_DIR or S3-compatible, by configuration. */
@Module({
  providers: [{ provide: BlobStore, inject: [AppConfig], useFactory: blobStoreFor }, BlobStoreShutdown],
  exports: [BlobStore],
})
export class StorageModule {}
