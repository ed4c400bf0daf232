import { GraphModule } from '@libs/graph/graph.module';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { SourcesStoreModule } from '../sources/sources-store.module';
import { GraphContract } from './graph.contract';
import { GraphController } from './graph.controller';
import { GraphRepository } from './graph.repository';
import { GraphService } from './graph.service';

@Module({
  imports: [GraphModule, SourcesStoreModule, IdempotencyModule],
  controllers: [GraphController],
  providers: [GraphService, GraphRepository, { provide: GraphContract, useExisting: GraphRepository }],
  exports: [GraphService, GraphContract],
})
export class GraphApiModule {}
