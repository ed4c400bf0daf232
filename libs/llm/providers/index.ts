import { LlmConfig } from '../llm-config';
import type { LlmProvider } from '../llm.port';
import { createAnthropicProvider } from './anthropic.provider';
import { createGoogleProvider } from './google.provider';
import { OfflineLlmProvider } from './offline.provider';
import { createOpenAiCompatibleProvider } from './openai-compatible.provider';

export * from './ai-sdk.provider';
export * from './anthropic.provider';
export * from './fallback.provider';
export * from './google.provider';
export * from './offline.provider';
export * from './openai-compatible.provider';

/** Builds the provider for a resolved configuration (no network traffic until `stream()`). */
export function createLlmProvider(config: LlmConfig): LlmProvider {
  switch (config.provider) {
    case 'openai':
    case 'ollama':
    case 'vllm':
    case 'lmstudio':
      return createOpenAiCompatibleProvider(config);
    case 'anthropic':
      return createAnthropicProvider(config);
    case 'google':
      return createGoogleProvider(config);
    case 'offline':
    default:
      return new OfflineLlmProvider();
  }
}
