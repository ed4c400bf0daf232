import { AppConfig, ConfigValidationError } from '@libs/config';
import { LocalBlobStore } from './local-blob-store';
import { S3BlobStore } from './s3-blob-store';
import { blobStoreFor } from './storage.module';

describe('blobStoreFor', () => {
  it('local disk under UPLOAD_DIR by default', () => {
    const store = blobStoreFor(AppConfig.fromEnv({ NODE_ENV: 'test', UPLOAD_DIR: '/tmp/agentcy-spec-uploads' }));
    expect(store).toBeInstanceOf(LocalBlobStore);
    expect((store as LocalBlobStore).locate('org/art_1')).toBe('/tmp/agentcy-spec-uploads/artifacts/org/art_1');
  });

  it('S3 when configured; S3_BUCKET is then required at boot', () => {
    const store = blobStoreFor(
      AppConfig.fromEnv({
        NODE_ENV: 'test',
        AGENTCY_ARTIFACT_BACKEND: 's3',
        S3_BUCKET: 'b',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_FORCE_PATH_STYLE: 'true',
      }),
    );
    expect(store).toBeInstanceOf(S3BlobStore);
    expect(store.kind).toBe('s3');
    (store as S3BlobStore).destroy();
    expect(() => AppConfig.fromEnv({ NODE_ENV: 'test', AGENTCY_ARTIFACT_BACKEND: 's3' })).toThrow(
      ConfigValidationError,
    );
  });
});
