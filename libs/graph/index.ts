export * from './neo4j.service';
export * from './graph.module';
