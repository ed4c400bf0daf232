export * from './redis.service';
export * from './event-bus.service';
export * from './redis.module';
