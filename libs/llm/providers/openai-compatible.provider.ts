import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { DEFAULT_MODELS, LlmConfig } from '../llm-config';
import { AiSdkLlmProvider } from './ai-sdk.provider';

export const DEFAULT_COMPATIBLE_BASE_URLS: Record<'ollama' | 'vllm' | 'lmstudio', string> = {
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
};

/**
 * OpenAI itself (chat-completions API through @ai-sdk/openai; `baseUrl` may point at any
 * OpenAI-compatible gateway) and the local OpenAI-compatible servers Ollama, vLLM and LM Studio
 * (@ai-sdk/openai-compatible, streaming usage requested with `stream_options.include_usage`).
 */
export function createOpenAiCompatibleProvider(config: LlmConfig): AiSdkLlmProvider {
  const model = config.model || DEFAULT_MODELS[config.provider];
  const settings = { temperature: config.temperature, maxOutputTokens: config.maxOutputTokens };
  if (config.provider === 'openai') {
    const openai = createOpenAI({ apiKey: config.apiKey, baseURL: config.baseUrl });
    return new AiSdkLlmProvider('openai', model, (id) => openai.chat(id), settings);
  }
  const provider = config.provider as 'ollama' | 'vllm' | 'lmstudio';
  const compatible = createOpenAICompatible({
    name: provider,
    baseURL: config.baseUrl || DEFAULT_COMPATIBLE_BASE_URLS[provider],
    apiKey: config.apiKey,
    includeUsage: true,
  });
  return new AiSdkLlmProvider(provider, model, (id) => compatible.chatModel(id), settings);
}
