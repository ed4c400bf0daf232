export * from './features';
export * from './features.module';
export * from './mounted-features';
