import { Module } from '@nestjs/common';

/** `/policies/audit*`: the tamper-evident audit log (hash chain, verify, retention checkpoints, CSV export, SSE stream; docs/audit.md). */
@Module({})
export class AuditLogModule {}
