export * from './canonical-json';
export * from './crypto.module';
export * from './secret-box';
