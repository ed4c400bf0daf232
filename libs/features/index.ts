export * from './features';
export * from './mounted-features';
