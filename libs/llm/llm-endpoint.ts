import type { LlmProviderName } from './llm-config';

/** Where each provider's SDK sends requests when no base URL is given. */
export const DEFAULT_BASE_URLS: Record<Exclude<LlmProviderName, 'offline'>, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  google: 'https://generativelanguage.googleapis.com/v1beta',
  ollama: 'http://127.0.0.1:11434/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
};

/** Hosted providers whose public endpoint may be used with the install's OPENAI/ANTHROPIC/GOOGLE_API_KEY. */
const HOSTED: readonly LlmProviderName[] = ['openai', 'anthropic', 'google'];

/** A provider, the base URL it is asked to use and the key that comes with it. */
export interface LlmTarget {
  provider: LlmProviderName;
  baseUrl?: string | null;
  apiKey?: string | null;
}

/** The install's own LLM configuration (LLM_* and the hosted providers' keys). */
export interface InstallLlmKeys {
  provider: string;
  baseUrl?: string;
  apiKey?: string;
  providerKeys: { openai?: string; anthropic?: string; google?: string };
}

export interface LlmEndpointAccess {
  /** the key to send (undefined: the request goes without one) */
  apiKey?: string;
  /**
   * true for the operator's endpoints: the install's LLM_BASE_URL (or its provider's default) and the
   * public endpoints of the hosted providers. Everything else was chosen by an org and goes through
   * the egress guard.
   */
  installEndpoint: boolean;
}

/**
 * The endpoint a provider really calls, normalised for comparison (scheme, credentials, lower-case
 * host, port only when not the default, path without trailing slash, query); null for the offline
 * provider and for what is not a URL.
 */
export function llmEndpoint(provider: LlmProviderName | string, baseUrl?: string | null): string | null {
  const raw = baseUrl || DEFAULT_BASE_URLS[provider as keyof typeof DEFAULT_BASE_URLS];
  if (!raw) {
    return null;
  }
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  const auth = u.username || u.password ? `${u.username}:${u.password}@` : '';
  return `${u.protocol}//${auth}${u.host}${u.pathname.replace(/\/+$/, '')}${u.search}`;
}

/** Whether two targets send their requests to the same place (a stored key may follow only then). */
export function sameLlmDestination(a: LlmTarget, b: LlmTarget): boolean {
  const ea = llmEndpoint(a.provider, a.baseUrl);
  return a.provider === b.provider && ea !== null && ea === llmEndpoint(b.provider, b.baseUrl);
}

/**
 * The key-selection rule. `target.apiKey` is the org's own key and is always used when present.
 * Install-level keys go only to the install's own endpoints:
 * - LLM_API_KEY (or the key of LLM_PROVIDER) to the endpoint of LLM_PROVIDER/LLM_BASE_URL;
 * - OPENAI_API_KEY / ANTHROPIC_API_KEY / GOOGLE_API_KEY to that provider's public endpoint.
 * Any other base URL gets the org's key or none, and is an org endpoint (egress-guarded).
 */
export function selectLlmAccess(target: LlmTarget, install: InstallLlmKeys): LlmEndpointAccess {
  const own = target.apiKey || undefined;
  if (target.provider === 'offline') {
    return { apiKey: own, installEndpoint: true };
  }
  const endpoint = llmEndpoint(target.provider, target.baseUrl);
  if (endpoint === null) {
    return { apiKey: own, installEndpoint: false };
  }
  const installProvider = install.provider as LlmProviderName;
  const installEndpoint =
    installProvider && installProvider !== 'offline' ? llmEndpoint(installProvider, install.baseUrl) : null;
  const hostedDefault = HOSTED.includes(target.provider) && endpoint === llmEndpoint(target.provider);
  if (endpoint === installEndpoint) {
    const installKey = install.apiKey ?? providerKey(installProvider, install);
    if (installKey || !hostedDefault) {
      return { apiKey: own ?? installKey, installEndpoint: true };
    }
  }
  if (hostedDefault) {
    return { apiKey: own ?? providerKey(target.provider, install), installEndpoint: true };
  }
  return { apiKey: own, installEndpoint: false };
}

function providerKey(provider: LlmProviderName, install: InstallLlmKeys): string | undefined {
  return provider === 'openai' || provider === 'anthropic' || provider === 'google'
    ? install.providerKeys[provider]
    : undefined;
}
