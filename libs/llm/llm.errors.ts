import { findEgressError } from '@libs/egress/egress.errors';

/**
 * Errors thrown by `LlmProvider.stream()` iterators. The agent loop catches them:
 * - `LlmAbortedError` (name `AbortError`) when `request.signal` fired;
 * - `LlmProviderError` for everything the provider/API reported (bad key, unreachable server, ...).
 */
export class LlmProviderError extends Error {
  constructor(
    message: string,
    /**
     * `llm_unavailable` (network), `llm_auth_failed` (401/403), `llm_rate_limited` (429),
     * `egress_forbidden` (the org's base URL is refused by the egress guard), `llm_error`
     */
    readonly code: string = 'llm_error',
    readonly statusCode?: number,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'LlmProviderError';
  }
}

export class LlmAbortedError extends Error {
  constructor(message = 'The LLM request was aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/** Maps anything thrown by an SDK into an LlmProviderError (keeps aborts as LlmAbortedError). */
export function toLlmError(err: unknown, signal?: AbortSignal): Error {
  if (err instanceof LlmProviderError || err instanceof LlmAbortedError) {
    return err;
  }
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) {
    return new LlmAbortedError();
  }
  const refused = findEgressError(err);
  if (refused) {
    return new LlmProviderError(refused.message, 'egress_forbidden', refused.status, refused);
  }
  const e = err as { message?: string; statusCode?: number; name?: string; cause?: unknown } | undefined;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
  const message = (e?.message ?? String(err)).slice(0, 500);
  if (status === 401 || status === 403) {
    return new LlmProviderError(message, 'llm_auth_failed', status, err);
  }
  if (status === 429) {
    return new LlmProviderError(message, 'llm_rate_limited', status, err);
  }
  if (
    status === undefined &&
    /fetch failed|ECONNREFUSED|ENOTFOUND|Cannot connect|socket/i.test(`${message} ${String(e?.cause ?? '')}`)
  ) {
    return new LlmProviderError(message, 'llm_unavailable', undefined, err);
  }
  return new LlmProviderError(message, 'llm_error', status, err);
}
