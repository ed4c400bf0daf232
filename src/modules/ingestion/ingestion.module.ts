import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { GraphApiModule } from '../graph/graph.module';
import { SourcesModule } from '../sources/sources.module';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';

/** /ingestion: jobs across sources, per-source status, csv/json uploads (over the SourcesModule contract). */
@Module({
  imports: [SourcesModule, GraphApiModule, IdempotencyModule],
  controllers: [IngestionController],
  providers: [IngestionService],
})
export class IngestionModule {}
