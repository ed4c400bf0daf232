export * from './access-line';
export * from './logger';
export * from './redact';
export * from './request-id.middleware';
