import { AuditModule } from '@libs/audit';
import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { CryptoModule } from '@libs/crypto';
import { Module } from '@nestjs/common';
import { AuditChainVerifier } from './audit-chain.verifier';
import { AuditCheckpointSigner } from './audit-checkpoint.signer';
import { AuditLogController } from './audit-log.controller';
import { AuditLogService } from './audit-log.service';
import { AuditRetentionJob } from './audit-retention.job';
import { AuditStreamService } from './audit-stream.service';

/**
 * `/policies/audit…`: the tamper-evident audit log (hash chain verification, retention with signed
 * checkpoints, CSV export, SSE stream; docs/audit.md). The audit tables belong to libs/audit.
 */
@Module({
  imports: [AuditModule, CryptoModule, PrincipalChangesModule],
  controllers: [AuditLogController],
  providers: [AuditLogService, AuditStreamService, AuditChainVerifier, AuditCheckpointSigner, AuditRetentionJob],
})
export class AuditLogModule {}
