/** How a provider reaches its endpoint: the egress-guarded fetch for org endpoints, the default otherwise. */
export interface LlmTransport {
  fetch?: typeof globalThis.fetch;
}

const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key'];

/**
 * `apiKey` and `fetch` for an ai-sdk provider factory. The key is never `undefined`: the SDKs would
 * then read OPENAI_API_KEY / ANTHROPIC_API_KEY / GOOGLE_GENERATIVE_AI_API_KEY from the process
 * environment, i.e. hand the install's key to whatever base URL the provider was given. Without a
 * key the empty credential header the SDK builds is dropped, so the request goes without one.
 */
export function sdkCredentials(
  apiKey: string | undefined,
  transport: LlmTransport = {},
): { apiKey: string; fetch?: typeof globalThis.fetch } {
  if (apiKey) {
    return { apiKey, fetch: transport.fetch };
  }
  const base = transport.fetch ?? globalThis.fetch;
  const keyless: typeof globalThis.fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    for (const h of CREDENTIAL_HEADERS) {
      const v = headers.get(h);
      if (v !== null && (v === '' || /^bearer$/i.test(v.trim()))) {
        headers.delete(h);
      }
    }
    return base(input, { ...init, headers });
  };
  return { apiKey: '', fetch: keyless };
}
