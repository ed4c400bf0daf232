import { AuditEntryEntity } from '@libs/audit';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityController } from './activity.controller';
import { ActivityRepository } from './activity.repository';
import { ActivityService } from './activity.service';

/** `/activity`: feed and audit log (read side of libs/audit). */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEntryEntity])],
  controllers: [ActivityController],
  providers: [ActivityRepository, ActivityService],
})
export class ActivityModule {}
