export * from './idempotency.errors';
export * from './idempotency.interceptor';
export * from './idempotency.module';
