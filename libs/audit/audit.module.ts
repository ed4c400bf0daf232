import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditLogReader } from './audit-log.reader';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/** AuditService for explicit entries, AuditLogReader for the read side, plus the global interceptor that records every mutating request. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity])],
  providers: [AuditService, AuditLogReader, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  exports: [AuditService, AuditLogReader],
})
export class AuditModule {}
