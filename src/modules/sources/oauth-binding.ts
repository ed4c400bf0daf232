import { safeEqual, sha256Hex } from '@libs/crypto';
import type { CookieOptions } from 'express';

/** Sent with the start response; the callback completes only in a browser that carries it. */
export interface OAuthBindingCookie {
  name: string;
  value: string;
  options: CookieOptions;
}

const COOKIE_PREFIX = 'agentcy_oauth_';
const OAUTH_PATH = '/api/v1/sources/oauth';

/** One cookie per flow (several tabs may connect at once), named after the state it binds. */
function cookieName(state: string): string {
  return `${COOKIE_PREFIX}${sha256Hex(state).slice(0, 16)}`;
}

/**
 * Binds a flow to the browser of the user who started it. The callback is anonymous (the
 * provider redirects a browser to it), so without this anyone handed an authorize URL would
 * complete the flow into the starter's org with *their own* provider account. A site cannot
 * set a cookie for the API's host, so only the starter's browser can present it; `SameSite=Lax`
 * lets it ride the provider's top-level redirect, the path keeps it away from other routes.
 */
export function oauthBindingCookie(state: string, publicBaseUrl: string, maxAgeMs: number): OAuthBindingCookie {
  const base = new URL(publicBaseUrl);
  return {
    name: cookieName(state),
    value: state,
    options: {
      httpOnly: true,
      sameSite: 'lax',
      secure: base.protocol === 'https:',
      path: `${base.pathname.replace(/\/+$/, '')}${OAUTH_PATH}`,
      maxAge: maxAgeMs,
    },
  };
}

/** True when the request's Cookie header carries the binding cookie of `state`. */
export function isBrowserBound(state: string, cookieHeader: string | undefined): boolean {
  if (!cookieHeader) {
    return false;
  }
  const name = cookieName(state);
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      let value = part.slice(eq + 1).trim();
      try {
        value = decodeURIComponent(value);
      } catch {
        continue;
      }
      if (safeEqual(value, state)) {
        return true;
      }
    }
  }
  return false;
}
