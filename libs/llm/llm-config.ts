/**
 * Which provider to build and with what: the resolved configuration of one org (settings) or of
 * the install (env). Providers are created from it by `createLlmProvider` (providers/index.ts).
 */
export const LLM_PROVIDERS = ['offline', 'openai', 'anthropic', 'google', 'ollama', 'vllm', 'lmstudio'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/** Providers that speak the OpenAI chat-completions protocol at a base URL of your choice. */
export const OPENAI_COMPATIBLE_PROVIDERS: readonly LlmProviderName[] = ['ollama', 'vllm', 'lmstudio'];

export function isLlmProviderName(value: unknown): value is LlmProviderName {
  return typeof value === 'string' && (LLM_PROVIDERS as readonly string[]).includes(value);
}

export interface LlmConfig {
  provider: LlmProviderName;
  /** Model id; provider default when absent (see DEFAULT_MODELS). */
  model?: string;
  /** Base URL of the API (required for ollama/vllm/lmstudio, optional override for the others). */
  baseUrl?: string;
  apiKey?: string;
  temperature?: number;
  maxOutputTokens?: number;
  /** used when the primary fails before streaming anything (see FallbackLlmProvider) */
  fallback?: { provider: LlmProviderName; model?: string; baseUrl?: string; apiKey?: string };
}

export const DEFAULT_MODELS: Record<LlmProviderName, string> = {
  offline: 'offline-keyword-matcher',
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-5',
  google: 'gemini-2.5-flash',
  ollama: 'llama3.1',
  vllm: 'default',
  lmstudio: 'default',
};

/** Where a resolved configuration came from. */
export type LlmConfigSource = 'org' | 'env' | 'default';

export interface ResolvedLlmConfig {
  config: LlmConfig;
  source: LlmConfigSource;
}
