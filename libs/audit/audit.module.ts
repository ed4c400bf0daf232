import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditChainStore } from './audit-chain.store';
import { AuditCheckpointEntity } from './audit-checkpoint.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { AuditLogReader } from './audit-log.reader';
import { AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

/**
 * AuditService for explicit entries, AuditLogReader for the read side, AuditChainStore for the
 * hash chain's walks and retention cuts, and AuditInterceptor, which
 * records every mutating request: the route decorators of `@libs/http` (Post, Put, Patch, Delete) attach it.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity, AuditCheckpointEntity])],
  providers: [AuditService, AuditLogReader, AuditInterceptor, AuditChainStore],
  exports: [AuditService, AuditLogReader, AuditInterceptor, AuditChainStore],
})
export class AuditModule {}
