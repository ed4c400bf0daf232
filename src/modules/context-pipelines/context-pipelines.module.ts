import { CryptoModule } from '@libs/crypto';
import { GraphModule } from '@libs/graph';
import { GraphWriter } from '@libs/graph/graph-writer';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ContextGraphSink } from './context-graph.sink';
import { ContextIngestService } from './context-ingest.service';
import {
  ContextEventEntity,
  ContextPipelineEntity,
  ContextPipelineRunEntity,
  ContextPipelineTokenEntity,
} from './context-pipeline.entity';
import { ContextPipelinesController } from './context-pipelines.controller';
import { ContextPipelinesRepository } from './context-pipelines.repository';
import { ContextPipelinesService } from './context-pipelines.service';
import { InFlightLimiter } from './in-flight-limiter';

/** `/context/pipelines`: continuous NDJSON ingest into context events and the graph (docs/context-pipelines.md). */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      ContextPipelineEntity,
      ContextPipelineTokenEntity,
      ContextEventEntity,
      ContextPipelineRunEntity,
    ]),
    GraphModule,
    CryptoModule,
    IdempotencyModule,
  ],
  controllers: [ContextPipelinesController],
  providers: [
    ContextPipelinesRepository,
    ContextPipelinesService,
    ContextIngestService,
    ContextGraphSink,
    InFlightLimiter,
    GraphWriter,
  ],
})
export class ContextPipelinesModule {}
