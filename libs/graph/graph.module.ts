import { Module } from '@nestjs/common';
import { GraphSchemaService } from './graph-schema';
import { Neo4jService } from './neo4j.service';

@Module({ providers: [Neo4jService, GraphSchemaService], exports: [Neo4jService, GraphSchemaService] })
export class GraphModule {}
