export * from './cors';
export * from './input-guard.middleware';
export * from './json-depth';
export * from './mutating-routes';
export * from './security-headers';
export * from './unsafe-text';
export * from './validate-fields';
