export * from './llm.port';
