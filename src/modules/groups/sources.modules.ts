import type { DynamicModule, Type } from '@nestjs/common';
import { IngestionModule } from '../ingestion/ingestion.module';
import { SourcesModule } from '../sources/sources.module';

/** Route-group modules of the sources area; owned by that area, listed once in feature-modules.ts. */
export const SOURCES_MODULES: (Type<unknown> | DynamicModule)[] = [SourcesModule, IngestionModule];
