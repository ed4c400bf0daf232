export * from './blob-key';
export * from './blob-store';
export * from './local-blob-store';
export * from './measuring-stream';
export * from './s3-blob-store';
export * from './sniff-content-type';
export * from './storage.module';
