import { PREVIEW_COOKIE } from '@libs/auth/strategies/preview-token.strategy';

/** Both mounts of the preview proxy: the bare one the preview links use and the API-prefixed alias. */
export const PREVIEW_MOUNTS = ['/sandbox/preview', '/api/v1/sandbox/preview'] as const;

export interface PreviewRequestPath {
  /** `/sandbox/preview/<sid>/<port>` as the caller wrote it (raw, with the mount it used) */
  base: string;
  sessionId: string;
  port: number;
  /** path forwarded upstream: dot segments resolved (never above `/`), percent-encoding kept */
  path: string;
  /** query forwarded upstream (without `token`), `''` or `?…` */
  search: string;
  /** `?token=` of the request, if any */
  token?: string;
}

const PORT_RE = /^[1-9]\d{0,4}$/;

/**
 * Splits a raw request URL under a preview mount; `null` when it is not one (or the session id
 * / port segment is malformed). Works on the raw URL so `%2F` in the remainder stays encoded and
 * `..` can only climb inside the session's own server.
 */
export function parsePreviewUrl(rawUrl: string): PreviewRequestPath | null {
  const q = rawUrl.indexOf('?');
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
  const mount = PREVIEW_MOUNTS.find((m) => rawPath.startsWith(`${m}/`));
  if (!mount) {
    return null;
  }
  const [rawSid, rawPort, ...rest] = rawPath.slice(mount.length + 1).split('/');
  let sessionId: string;
  try {
    sessionId = decodeURIComponent(rawSid ?? '');
  } catch {
    return null;
  }
  if (!sessionId || sessionId === '.' || sessionId === '..' || !PORT_RE.test(rawPort ?? '')) {
    return null;
  }
  const port = Number(rawPort);
  if (port > 65535) {
    return null;
  }
  const params = new URLSearchParams(rawQuery);
  const token = params.get('token') ?? undefined;
  params.delete('token');
  const search = params.toString();
  return {
    base: `${mount}/${rawSid}/${rawPort}`,
    sessionId,
    port,
    path: normalisePath(`/${rest.join('/')}`),
    search: search ? `?${search}` : '',
    token,
  };
}

/** Resolves `.`/`..` (also percent-encoded) as a browser would, clamped at `/`. */
export function normalisePath(path: string): string {
  try {
    return new URL(path.replace(/\\/g, '%5C'), 'http://preview.invalid').pathname;
  } catch {
    return '/';
  }
}

/**
 * Keeps redirects of the sandboxed app inside the preview prefix: an absolute path (`/login`) or
 * an absolute URL to the app's own loopback address gets the prefix; relative and external
 * locations stay as they are.
 */
export function rewriteLocation(location: string, base: string, port: number): string {
  if (location.startsWith('//')) {
    return location; // scheme-relative: another host
  }
  if (location.startsWith('/')) {
    return `${base}${location}`;
  }
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location; // relative
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]', '0.0.0.0'].includes(url.hostname);
  const samePort = Number(url.port || (url.protocol === 'https:' ? 443 : 80)) === port;
  if ((url.protocol === 'http:' || url.protocol === 'https:') && loopback && samePort) {
    return `${base}${url.pathname}${url.search}${url.hash}`;
  }
  return location;
}

/** The path-scoped credential cookie (HttpOnly, SameSite=Lax; Secure on https). */
export function previewCookie(base: string, token: string, maxAgeSecs: number, secure: boolean): string {
  return [
    `${PREVIEW_COOKIE}=${token}`,
    `Path=${base}/`,
    `Max-Age=${Math.max(0, Math.floor(maxAgeSecs))}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
