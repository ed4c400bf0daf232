import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChannelsModule } from '../channels/channels.module';
import { TasksModule } from '../tasks/tasks.module';
import { CronChannelPoster } from './cron-channel-poster';
import { CronChannelEntity } from './cron-channel.entity';
import { CronChannelsController } from './cron-channels.controller';
import { CronChannelsRepository } from './cron-channels.repository';
import { CronChannelsService } from './cron-channels.service';

/**
 * `/cron-channels`: scheduled channel messages. Each owns a schedule task (TasksContract), so the
 * tasks scheduler fires it once across replicas; finished runs are posted through ChannelPostContract.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([CronChannelEntity]),
    EventsModule,
    IdempotencyModule,
    TasksModule,
    ChannelsModule,
  ],
  controllers: [CronChannelsController],
  providers: [CronChannelsRepository, CronChannelsService, CronChannelPoster],
})
export class CronChannelsModule {}
