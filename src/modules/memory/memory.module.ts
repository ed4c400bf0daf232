import { EmbeddingsModule } from '@libs/embeddings';
import { EventsModule } from '@libs/events';
import { GraphModule } from '@libs/graph';
import { IdempotencyModule } from '@libs/idempotency';
import { MetricsModule } from '@libs/metrics/metrics.module';
import { MemoryCompactionQueue } from '@libs/queue/memory-compaction-queue';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SettingsModule } from '../settings/settings.module';
import { MemoryCompactionScheduler } from './memory-compaction.scheduler';
import { MemoryCompaction } from './memory-compaction.service';
import { MemoryContractService } from './memory-contract.service';
import { MemoryGraphRepository } from './memory-graph.repository';
import { MemoryRecall } from './memory-recall';
import { MemorySync } from './memory-sync';
import { MemoryContract } from './memory.contract';
import { MemoryController } from './memory.controller';
import { MemoryEntity } from './memory.entity';
import { MemoryRepository } from './memory.repository';
import { MemoryService } from './memory.service';

/**
 * `/memory`: org memory with recall and graph sync (docs/memory.md). Exports `MemoryContract`
 * (recall) for the chat loop's context step.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([MemoryEntity]),
    EmbeddingsModule,
    EventsModule,
    GraphModule,
    SettingsModule,
    IdempotencyModule,
    MetricsModule,
  ],
  controllers: [MemoryController],
  providers: [
    MemoryRepository,
    MemoryGraphRepository,
    MemoryRecall,
    MemorySync,
    MemoryService,
    MemoryCompactionQueue,
    MemoryCompaction,
    MemoryCompactionScheduler,
    MemoryContractService,
    { provide: MemoryContract, useExisting: MemoryContractService },
  ],
  exports: [MemoryContract],
})
export class MemoryModule {}
