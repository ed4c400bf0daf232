export * from './constant-time';
export * from './worker-token.strategy';
export * from './webhook-signature.strategy';
export * from './shared-secret.strategy';
export * from './pipeline-token.strategy';
export * from './preview-token.strategy';
