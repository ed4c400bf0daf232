import { MetricsModule } from '@libs/metrics/metrics.module';
import { Module } from '@nestjs/common';
import { GraphSchemaService } from './graph-schema';
import { Neo4jService } from './neo4j.service';

@Module({
  imports: [MetricsModule],
  providers: [Neo4jService, GraphSchemaService],
  exports: [Neo4jService, GraphSchemaService],
})
export class GraphModule {}
