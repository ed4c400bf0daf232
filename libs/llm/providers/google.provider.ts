import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { DEFAULT_MODELS, LlmConfig } from '../llm-config';
import { AiSdkLlmProvider } from './ai-sdk.provider';
import { sdkCredentials, type LlmTransport } from './sdk-credentials';

/** Google Gemini API through @ai-sdk/google (`baseUrl` overrides https://generativelanguage.googleapis.com/v1beta). */
export function createGoogleProvider(config: LlmConfig, transport: LlmTransport = {}): AiSdkLlmProvider {
  const model = config.model || DEFAULT_MODELS.google;
  const google = createGoogleGenerativeAI({ ...sdkCredentials(config.apiKey, transport), baseURL: config.baseUrl });
  return new AiSdkLlmProvider('google', model, (id) => google(id), {
    temperature: config.temperature,
    maxOutputTokens: config.maxOutputTokens,
  });
}
