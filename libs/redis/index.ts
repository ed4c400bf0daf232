export * from './event-bus.service';
export * from './redis.module';
export * from './redis.service';
