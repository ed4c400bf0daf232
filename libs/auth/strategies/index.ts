export * from './constant-time';
export * from './metrics-token.strategy';
export * from './pipeline-token.strategy';
export * from './preview-token.strategy';
export * from './shared-secret.strategy';
export * from './webhook-signature.strategy';
export * from './worker-token.strategy';
