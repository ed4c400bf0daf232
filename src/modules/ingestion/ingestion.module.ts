import { Module } from '@nestjs/common';
import { IngestionController } from './ingestion.controller';
import { IngestionService } from './ingestion.service';

/** /ingestion: jobs across sources, per-source status, csv/json uploads (uses the global SourcesModule). */
@Module({ controllers: [IngestionController], providers: [IngestionService] })
export class IngestionModule {}
