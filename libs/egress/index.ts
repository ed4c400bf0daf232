export * from './egress-policy';
export * from './egress.errors';
export * from './egress.guard';
export * from './egress.module';
export * from './org-egress';
