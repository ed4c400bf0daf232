import { AuditModule } from '@libs/audit';
import { Module } from '@nestjs/common';
import { ActivityController } from './activity.controller';
import { ActivityService } from './activity.service';

/** `/activity`: feed and audit log, read through libs/audit's `AuditLogReader` (the audit module owns the table). */
@Module({
  imports: [AuditModule],
  controllers: [ActivityController],
  providers: [ActivityService],
})
export class ActivityModule {}
