import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditLogReader } from './audit-log.reader';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/**
 * AuditService for explicit entries, AuditLogReader for the read side, and AuditInterceptor, which
 * records every mutating request: the route decorators of `@libs/http` (Post, Put, Patch, Delete) attach it.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity])],
  providers: [AuditService, AuditLogReader, AuditInterceptor],
  exports: [AuditService, AuditLogReader, AuditInterceptor],
})
export class AuditModule {}
