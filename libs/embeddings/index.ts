export * from './builtin-embedder';
export * from './embedder.port';
export * from './embeddings.module';
export * from './openai-embedder';
export * from './vectors';
