export * from './llm.port';
export * from './llm.errors';
export * from './llm-config';
export * from './llm-provider.factory';
export * from './llm.module';
export { createLlmProvider, OfflineLlmProvider, AiSdkLlmProvider, SEARCH_TOOL, EXECUTE_TOOL } from './providers';
