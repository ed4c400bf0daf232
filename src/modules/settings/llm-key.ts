import type { LlmProviderName } from '@libs/llm/llm-config';
import { sameLlmDestination } from '@libs/llm/llm-endpoint';

/** What PUT /settings/llm does with the stored key. */
export type LlmKeyDecision =
  | { action: 'set'; key: string }
  | { action: 'keep' }
  | { action: 'clear'; reason: 'requested' | 'destination_changed' | 'none_stored' };

interface Destination {
  provider: LlmProviderName;
  base_url?: string | null;
}

/** `"***"` (what masked configs show) or a masked hint such as `sk-p****` echoed back by a client. */
export function isMaskedKey(value: string): boolean {
  return /^\*{3,}$/.test(value) || /\*{4}$/.test(value);
}

/**
 * The stored key follows the settings only to the same destination (provider and base URL). An
 * omitted key or a masked placeholder keeps it there and drops it anywhere else; null or ""
 * clears it; any other value replaces it.
 */
export function decideLlmKey(
  prev: (Destination & { hasKey: boolean }) | undefined,
  next: Destination,
  apiKey: string | null | undefined,
): LlmKeyDecision {
  if (typeof apiKey === 'string' && apiKey !== '' && !isMaskedKey(apiKey)) {
    return { action: 'set', key: apiKey };
  }
  if (apiKey === null || apiKey === '') {
    return { action: 'clear', reason: 'requested' };
  }
  if (!prev?.hasKey) {
    return { action: 'clear', reason: 'none_stored' };
  }
  const same = sameLlmDestination(
    { provider: prev.provider, baseUrl: prev.base_url },
    { provider: next.provider, baseUrl: next.base_url },
  );
  return same ? { action: 'keep' } : { action: 'clear', reason: 'destination_changed' };
}
