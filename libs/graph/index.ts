export * from './cypher-guard';
export * from './graph-schema';
export * from './graph.module';
export * from './lucene';
export * from './neo4j.service';
