import type { GoogleGenerativeAIProvider } from '@ai-sdk/google';
import { DEFAULT_MODELS, LlmConfig } from '../llm-config';
import { AiSdkLlmProvider } from './ai-sdk.provider';
import { sdkCredentials, type LlmTransport } from './sdk-credentials';

/** Google Gemini API through @ai-sdk/google (`baseUrl` overrides https://generativelanguage.googleapis.com/v1beta). */
export function createGoogleProvider(config: LlmConfig, transport: LlmTransport = {}): AiSdkLlmProvider {
  const model = config.model || DEFAULT_MODELS.google;
  // the SDK is loaded on the first call (only the configured provider's package is ever loaded)
  let google: Promise<GoogleGenerativeAIProvider> | undefined;
  const sdk = () =>
    (google ??= import('@ai-sdk/google').then(({ createGoogleGenerativeAI }) =>
      createGoogleGenerativeAI({ ...sdkCredentials(config.apiKey, transport), baseURL: config.baseUrl }),
    ));
  return new AiSdkLlmProvider('google', model, async (id) => (await sdk())(id), {
    temperature: config.temperature,
    maxOutputTokens: config.maxOutputTokens,
  });
}
