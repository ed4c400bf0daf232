export * from './event-bus.service';
export * from './redis.module';
export * from './redis.service';
export * from './replica-presence';
export * from './replica-presence.module';
