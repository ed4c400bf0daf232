import type { OpenAIProvider } from '@ai-sdk/openai';
import type { OpenAICompatibleProvider } from '@ai-sdk/openai-compatible';
import { DEFAULT_MODELS, LlmConfig } from '../llm-config';
import { DEFAULT_BASE_URLS } from '../llm-endpoint';
import { AiSdkLlmProvider } from './ai-sdk.provider';
import { sdkCredentials, type LlmTransport } from './sdk-credentials';

export const DEFAULT_COMPATIBLE_BASE_URLS: Record<'ollama' | 'vllm' | 'lmstudio', string> = {
  ollama: DEFAULT_BASE_URLS.ollama,
  vllm: DEFAULT_BASE_URLS.vllm,
  lmstudio: DEFAULT_BASE_URLS.lmstudio,
};

/**
 * OpenAI itself (chat-completions API through @ai-sdk/openai; `baseUrl` may point at any
 * OpenAI-compatible gateway) and the local OpenAI-compatible servers Ollama, vLLM and LM Studio
 * (@ai-sdk/openai-compatible, streaming usage requested with `stream_options.include_usage`).
 */
export function createOpenAiCompatibleProvider(config: LlmConfig, transport: LlmTransport = {}): AiSdkLlmProvider {
  const model = config.model || DEFAULT_MODELS[config.provider];
  const settings = { temperature: config.temperature, maxOutputTokens: config.maxOutputTokens };
  // each SDK is loaded on the first call (only the configured provider's package is ever loaded)
  if (config.provider === 'openai') {
    let openai: Promise<OpenAIProvider> | undefined;
    const sdk = () =>
      (openai ??= import('@ai-sdk/openai').then(({ createOpenAI }) =>
        createOpenAI({ ...sdkCredentials(config.apiKey, transport), baseURL: config.baseUrl }),
      ));
    return new AiSdkLlmProvider('openai', model, async (id) => (await sdk()).chat(id), settings);
  }
  const provider = config.provider as 'ollama' | 'vllm' | 'lmstudio';
  let compatible: Promise<OpenAICompatibleProvider> | undefined;
  const sdk = () =>
    (compatible ??= import('@ai-sdk/openai-compatible').then(({ createOpenAICompatible }) =>
      createOpenAICompatible({
        name: provider,
        baseURL: config.baseUrl || DEFAULT_COMPATIBLE_BASE_URLS[provider],
        ...sdkCredentials(config.apiKey, transport),
        includeUsage: true,
      }),
    ));
  return new AiSdkLlmProvider(provider, model, async (id) => (await sdk()).chatModel(id), settings);
}
