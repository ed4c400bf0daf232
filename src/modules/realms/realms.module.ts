import { EventsModule } from '@libs/events';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RealmEntity } from './realm.entity';
import { RealmsController } from './realms.controller';
import { RealmsRepository } from './realms.repository';
import { RealmsService } from './realms.service';

@Module({
  imports: [TypeOrmModule.forFeature([RealmEntity]), EventsModule],
  controllers: [RealmsController],
  providers: [RealmsService, RealmsRepository],
  exports: [RealmsService],
})
export class RealmsModule {}
