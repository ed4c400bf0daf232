export * from './audit-entry.entity';
export * from './audit-log.reader';
export * from './audit.decorators';
export * from './audit.interceptor';
export * from './audit.module';
export * from './audit.service';
export * from './request-meta';
