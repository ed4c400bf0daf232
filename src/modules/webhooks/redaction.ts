/** What the delivery log keeps of a request: secrets redacted, body cut at 64 KB. */
export const MAX_LOGGED_BODY_BYTES = 64 * 1024;
const REDACTED = '[redacted]';

const SECRET_HEADER = /authorization|cookie|secret|token|signature|api[-_]?key|password|session/i;
const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|private[-_]?key|credential/i;
// key=value / "key": "value" pairs in text bodies
const SECRET_PAIR =
  /((?:pass(?:word)?|secret|token|api[-_]?key|authorization|private[-_]?key|credential)[\w-]*["']?\s*[:=]\s*["']?)([^"'&\s,}]+)/gi;

/** Header names lower-cased; values of credential-looking headers replaced. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) {
      continue;
    }
    const name = k.toLowerCase();
    out[name] = SECRET_HEADER.test(name) ? REDACTED : Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** A copy of a JSON value with the values of secret-looking keys replaced. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v) => redactValue(v, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] =
      SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

/** Redacts a text body (JSON when it parses, key=value pairs otherwise) and cuts it at MAX_LOGGED_BODY_BYTES. */
export function loggedBody(text: string, parsed?: unknown): { body: string; truncated: boolean } {
  let redacted: string;
  if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) {
    redacted = JSON.stringify(redactValue(parsed));
  } else {
    redacted = text.replace(SECRET_PAIR, `$1${REDACTED}`);
  }
  return truncateUtf8(redacted, MAX_LOGGED_BODY_BYTES);
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, max: number): { body: string; truncated: boolean } {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= max) {
    return { body: s, truncated: false };
  }
  let end = max;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) {
    end--;
  }
  return { body: buf.subarray(0, end).toString('utf8'), truncated: true };
}
