import { LlmConfig } from '../llm-config';
import type { LlmProvider } from '../llm.port';
import { createAnthropicProvider } from './anthropic.provider';
import { createGoogleProvider } from './google.provider';
import { OfflineLlmProvider } from './offline.provider';
import { createOpenAiCompatibleProvider } from './openai-compatible.provider';
import type { LlmTransport } from './sdk-credentials';

export * from './ai-sdk.provider';
export * from './anthropic.provider';
export * from './fallback.provider';
export * from './google.provider';
export * from './offline.provider';
export * from './openai-compatible.provider';
export * from './sdk-credentials';

/**
 * Builds the provider for a resolved configuration (no network traffic until `stream()`).
 * `transport.fetch` is the egress-guarded fetch when the endpoint was chosen by an org.
 */
export function createLlmProvider(config: LlmConfig, transport: LlmTransport = {}): LlmProvider {
  switch (config.provider) {
    case 'openai':
    case 'ollama':
    case 'vllm':
    case 'lmstudio':
      return createOpenAiCompatibleProvider(config, transport);
    case 'anthropic':
      return createAnthropicProvider(config, transport);
    case 'google':
      return createGoogleProvider(config, transport);
    case 'offline':
    default:
      return new OfflineLlmProvider();
  }
}
