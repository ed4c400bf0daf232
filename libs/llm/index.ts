export * from './llm-config';
export * from './llm-endpoint';
export * from './llm-provider.factory';
export * from './llm.errors';
export * from './llm.module';
export * from './llm.port';
export { AiSdkLlmProvider, EXECUTE_TOOL, OfflineLlmProvider, SEARCH_TOOL, createLlmProvider } from './providers';
