import { createAnthropic } from '@ai-sdk/anthropic';
import { DEFAULT_MODELS, LlmConfig } from '../llm-config';
import { AiSdkLlmProvider } from './ai-sdk.provider';
import { sdkCredentials, type LlmTransport } from './sdk-credentials';

/** Anthropic Messages API through @ai-sdk/anthropic (`baseUrl` overrides https://api.anthropic.com/v1). */
export function createAnthropicProvider(config: LlmConfig, transport: LlmTransport = {}): AiSdkLlmProvider {
  const model = config.model || DEFAULT_MODELS.anthropic;
  const anthropic = createAnthropic({ ...sdkCredentials(config.apiKey, transport), baseURL: config.baseUrl });
  return new AiSdkLlmProvider('anthropic', model, (id) => anthropic(id), {
    temperature: config.temperature,
    maxOutputTokens: config.maxOutputTokens,
  });
}
