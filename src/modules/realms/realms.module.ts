import { EventsModule } from '@libs/events';
import { GraphModule } from '@libs/graph/graph.module';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrgsModule } from '../orgs/orgs.module';
import { SourcesStoreModule } from '../sources/sources-store.module';
import { RealmEntity } from './realm.entity';
import { RealmsContract } from './realms.contract';
import { RealmsController } from './realms.controller';
import { RealmsRepository } from './realms.repository';
import { RealmsService } from './realms.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([RealmEntity]),
    EventsModule,
    GraphModule,
    SourcesStoreModule,
    OrgsModule,
    IdempotencyModule,
  ],
  controllers: [RealmsController],
  providers: [RealmsService, RealmsRepository, { provide: RealmsContract, useExisting: RealmsService }],
  exports: [RealmsService, RealmsContract],
})
export class RealmsModule {}
