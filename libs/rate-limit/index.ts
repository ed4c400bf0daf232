export * from './rate-limit.decorators';
export * from './rate-limit.guard';
export * from './rate-limit.module';
export * from './rate-limit.service';
