/** Control characters, bidi overrides/isolates and characters no file system takes. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g;
const MAX_NAME = 200;

/**
 * A display name from a client-supplied file name: the last path segment only, without control
 * or bidi characters, leading/trailing dots or spaces, at most 200 characters. Never used to
 * build a storage path (keys come from ids); this keeps `Content-Disposition` and UIs honest.
 */
export function sanitizeFileName(raw: string | undefined | null, fallback = 'artifact'): string {
  const last = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = last
    .normalize('NFC')
    .replace(UNSAFE, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  const chars = Array.from(cleaned);
  const name = chars.length > MAX_NAME ? chars.slice(0, MAX_NAME).join('').trimEnd() : cleaned;
  return name || fallback;
}

const rfc5987 = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266 / 5987). */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(name)}`;
}
