import { canonicalJson } from '@libs/crypto';
import { prefixedId } from '@libs/database/ids';
import { createHash } from 'node:crypto';

export { canonicalJson };

export function newId(prefix: 'tc' | 'apr'): string {
  return prefixedId(prefix);
}

export function argsHash(args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(args ?? {}))
    .digest('hex');
}

const SECRET_KEY = /token|secret|password|key/i;

/** Replaces values of secret-looking keys by `***` (stored args and results). */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 20) {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => redact(v, depth + 1));
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== 'object' ? '***' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
