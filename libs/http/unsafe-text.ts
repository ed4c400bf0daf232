export type UnsafeTextReason = 'nul_character' | 'lone_surrogate';

export interface UnsafeText {
  /** JSON path of the offending string (`$.config.name`, `$.items[2]`); a key is reported by its own path */
  path: string;
  reason: UnsafeTextReason;
}

/** NUL (PostgreSQL text cannot hold it) or a lone UTF-16 surrogate (not encodable as UTF-8). */
export function unsafeTextReason(s: string): UnsafeTextReason | null {
  if (s.includes('\u0000')) {
    return 'nul_character';
  }
  return (s as string & { isWellFormed(): boolean }).isWellFormed() ? null : 'lone_surrogate';
}

/**
 * Whether JSON text can decode to unsafe text at all: only through a `\u` escape (a raw NUL is not
 * valid JSON, and decoded UTF-8 never holds a lone surrogate). False lets a caller skip the walk.
 */
export function jsonMayHoldUnsafeText(text: string): boolean {
  return text.includes('\\u');
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function child(path: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${path}[${key}]`;
  }
  return IDENT.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * The first string (value or object key) in `value` that PostgreSQL could not store, or null.
 * Iterative, so a deep value cannot exhaust the stack.
 */
export function findUnsafeText(value: unknown, root = '$'): UnsafeText | null {
  const stack: { v: unknown; path: string }[] = [{ v: value, path: root }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const reason = unsafeTextReason(v);
      if (reason) {
        return { path, reason };
      }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: v[i], path: child(path, i) });
      }
    } else if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        const p = child(path, k);
        const reason = unsafeTextReason(k);
        if (reason) {
          return { path: p, reason };
        }
        stack.push({ v: (v as Record<string, unknown>)[k], path: p });
      }
    }
  }
  return null;
}
