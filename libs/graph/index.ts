export * from './neo4j.service';
export * from './graph.module';
export * from './graph-schema';
export * from './cypher-guard';
export * from './lucene';
