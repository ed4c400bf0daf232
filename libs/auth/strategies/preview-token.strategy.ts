import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { ServiceTokenService, type PreviewTokenClaims } from '../service-token.service';

/** Name of the path-scoped cookie the preview proxy sets so sub-resources load without `?token=`. */
export const PREVIEW_COOKIE = 'agentcy_preview';
/** At most this many `agentcy_preview` cookies of one request are tried. */
const MAX_PREVIEW_COOKIES = 4;

/** The values of every `name` cookie in a Cookie header (several when paths overlap). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) {
    return [];
  }
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      out.push(part.slice(eq + 1).trim());
    }
  }
  return out;
}

/**
 * `?token=<preview JWT>` scoped to `{session_id, port}`. When the route has a session id
 * (`:session_id`, `:sessionId` or `:sid`) or `:port` parameter, it must match the token.
 * Without `?token=`, the path-scoped `agentcy_preview` cookie set by the preview proxy is
 * accepted instead, only on routes naming both the session and the port (the same scope check).
 */
@Injectable()
export class PreviewTokenStrategy extends PassportStrategy(CustomStrategy, 'agentcy-preview-token') {
  readonly kind = 'preview' as const;

  constructor(private readonly tokens: ServiceTokenService) {
    super();
  }

  async validate(req: Request): Promise<ServiceCaller> {
    const q = req.query?.token;
    const token = typeof q === 'string' ? q : undefined;
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    const sid = params.session_id ?? params.sessionId ?? params.sid;
    if (!token) {
      const cookies = cookieValues(req.headers?.cookie, PREVIEW_COOKIE).slice(0, MAX_PREVIEW_COOKIES);
      if (cookies.length && sid !== undefined && params.port !== undefined) {
        return this.fromCookies(cookies, sid, params.port);
      }
      throw new UnauthorizedException('Missing preview token', { reason: 'missing_token' });
    }
    const c = await this.tokens.verifyPreviewToken(token);
    if (sid !== undefined && sid !== c.sid) {
      throw new UnauthorizedException('Token is not valid for this session', { reason: 'scope_mismatch' });
    }
    if (params.port !== undefined && Number(params.port) !== Number(c.port)) {
      throw new UnauthorizedException('Token is not valid for this port', { reason: 'scope_mismatch' });
    }
    return callerOf(c);
  }

  /** The first cookie that verifies and is scoped to this session and port. */
  private async fromCookies(cookies: string[], sid: string, port: string): Promise<ServiceCaller> {
    let last: unknown;
    for (const cookie of cookies) {
      try {
        const c = await this.tokens.verifyPreviewToken(cookie);
        if (c.sid === sid && Number(c.port) === Number(port)) {
          return callerOf(c);
        }
        last = new UnauthorizedException('Token is not valid for this session', { reason: 'scope_mismatch' });
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }
}

function callerOf(c: PreviewTokenClaims): ServiceCaller {
  return {
    kind: 'preview',
    orgId: c.org_id,
    subject: `preview:${c.sid}:${c.port}`,
    claims: { session_id: c.sid, port: c.port, exp: c.exp },
  };
}
