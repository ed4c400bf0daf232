import type { ConnectorDefinition } from '@libs/connectors/connector';

export const MASK = '***';

/** Splits a full config into the plain (JSONB) part and the secret part (sealed at rest). */
export function splitConfig(
  def: ConnectorDefinition<any>,
  config: Record<string, unknown>,
): { plain: Record<string, unknown>; secret: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) {
      continue;
    }
    if (def.secretFields.includes(k)) {
      secret[k] = v;
    } else {
      plain[k] = v;
    }
  }
  return { plain, secret };
}

/** What the API shows: plain values plus `"***"` for every stored secret. */
export function maskConfig(
  def: ConnectorDefinition<any> | undefined,
  plain: Record<string, unknown>,
  secretKeys: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(plain)) {
    out[k] = def?.secretFields.includes(k) ? MASK : v;
  }
  for (const k of secretKeys) {
    out[k] = MASK;
  }
  return out;
}

/**
 * PATCH semantics: keys in `patch` replace stored ones, `null` removes a key, and `"***"` for a
 * secret keeps the stored value (clients echo masked configs back).
 */
export function mergeConfig(stored: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete out[k];
    } else if (v === MASK && k in stored) {
      continue;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Replaces `"***"` placeholders (validate of an unsaved config cannot resolve them). */
export function hasMaskedValues(config: Record<string, unknown>): string[] {
  return Object.entries(config)
    .filter(([, v]) => v === MASK)
    .map(([k]) => k);
}
