export * from './events.module';
export * from './org-events';
