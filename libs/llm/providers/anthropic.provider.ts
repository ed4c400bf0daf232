import type { AnthropicProvider } from '@ai-sdk/anthropic';
import { DEFAULT_MODELS, LlmConfig } from '../llm-config';
import { AiSdkLlmProvider } from './ai-sdk.provider';
import { sdkCredentials, type LlmTransport } from './sdk-credentials';

/** Anthropic Messages API through @ai-sdk/anthropic (`baseUrl` overrides https://api.anthropic.com/v1). */
export function createAnthropicProvider(config: LlmConfig, transport: LlmTransport = {}): AiSdkLlmProvider {
  const model = config.model || DEFAULT_MODELS.anthropic;
  // the SDK is loaded on the first call (only the configured provider's package is ever loaded)
  let anthropic: Promise<AnthropicProvider> | undefined;
  const sdk = () =>
    (anthropic ??= import('@ai-sdk/anthropic').then(({ createAnthropic }) =>
      createAnthropic({ ...sdkCredentials(config.apiKey, transport), baseURL: config.baseUrl }),
    ));
  return new AiSdkLlmProvider('anthropic', model, async (id) => (await sdk())(id), {
    temperature: config.temperature,
    maxOutputTokens: config.maxOutputTokens,
  });
}
