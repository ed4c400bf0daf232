import type { ServiceCaller } from '@libs/auth/principal';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import { cookieValues, PREVIEW_COOKIE } from '@libs/auth/strategies/preview-token.strategy';
import { AppException, NotFoundException, UnauthorizedException } from '@libs/errors';
import { refuseUpgrade } from '@libs/http';
import { proxyHttp, proxyUpgrade, type ProxyTarget } from '@libs/reverse-proxy';
import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { SandboxSessionsContract, type SandboxConnectTarget } from '../ciab-native/sandbox-sessions.contract';
import { parsePreviewUrl, previewCookie, rewriteLocation, type PreviewRequestPath } from './preview-paths';

/** Request headers never forwarded into the sandbox (beside hop-by-hop ones). */
const STRIPPED = ['authorization', 'cookie', 'proxy-authorization', 'x-api-key'];

const portNotBound = () =>
  new AppException(502, 'port_not_bound', 'Nothing is listening on this port of the sandbox', {
    service: 'sandbox',
  });

/**
 * The preview proxy (misc-routes.md 6.1): `/sandbox/preview/:session_id/:port/*` on a preview
 * token (query or path-scoped cookie), to the port the coding session bound, as the
 * SandboxSessionsContract reports it. HTTP through the controller; WebSocket upgrades through
 * PreviewUpgradeHook, which verifies the token itself.
 */
@Injectable()
export class SandboxPreviewService {
  private readonly logger = new Logger(SandboxPreviewService.name);

  constructor(
    private readonly sessions: SandboxSessionsContract,
    private readonly tokens: ServiceTokenService,
  ) {}

  /** The session's connect target; 404 unknown (or another org's), 410 ended, 502 not bound. */
  async target(orgId: string, sessionId: string, port: number): Promise<SandboxConnectTarget> {
    const t = await this.sessions.portTarget(orgId, sessionId, port);
    if (!t) {
      throw new NotFoundException('Sandbox session');
    }
    if (t.sessionStatus === 'terminated' || t.sessionStatus === 'failed') {
      throw new AppException(410, 'session_ended', 'The sandbox session has ended', { status: t.sessionStatus });
    }
    if (!t.bound || t.sessionStatus === 'provisioning') {
      throw portNotBound();
    }
    this.sessions.touch(orgId, sessionId).catch((err: Error) => this.logger.warn(`touch failed: ${err.message}`));
    return t.connect;
  }

  /** HTTP: forwards the request (the caller was authenticated by the preview strategy for this sid/port). */
  async forward(caller: ServiceCaller, req: Request, res: Response): Promise<void> {
    const at = parsePreviewUrl(req.originalUrl);
    const claims = caller.claims as { session_id?: string; port?: number; exp?: number } | undefined;
    if (!at || !caller.orgId || claims?.session_id !== at.sessionId || Number(claims?.port) !== at.port) {
      // the strategy checked the route params; the raw URL must name the same scope
      throw new UnauthorizedException('Token is not valid for this preview', { reason: 'scope_mismatch' });
    }
    const connect = await this.target(caller.orgId, at.sessionId, at.port);
    // the API's "nothing may frame or load anything" headers do not fit a web app shown in an iframe
    res.removeHeader('content-security-policy');
    res.removeHeader('x-frame-options');
    const setHeaders: Record<string, string> = {};
    if (at.token) {
      // sub-resources (scripts, styles, XHR) load without ?token= through the path-scoped cookie
      const ttl = (claims.exp ?? 0) - Math.floor(Date.now() / 1000);
      setHeaders['set-cookie'] = previewCookie(at.base, at.token, ttl, req.secure);
    }
    await proxyHttp(req, res, this.proxyTarget(at, connect), {
      rewriteLocation: (l) => rewriteLocation(l, at.base, at.port),
      setHeaders,
      // the app's cookies would be set on the API's origin: not passed (nor forwarded back)
      dropResponseHeaders: ['set-cookie'],
    });
  }

  /**
   * `upgrade` on a preview path: token from `?token=` or the preview cookie, checked against the
   * path's session and port, then the session's target. Returns false for paths that are not ours.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const at = parsePreviewUrl(req.url ?? '/');
    if (!at) {
      return false;
    }
    void this.upgrade(req, socket, head, at).catch((err: Error) => {
      const e =
        err instanceof AppException ? err : new AppException(502, 'bad_gateway', 'The preview could not be opened');
      refuseUpgrade(socket, e.status, e.code, e.message);
    });
    return true;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, at: PreviewRequestPath): Promise<void> {
    const candidates = at.token ? [at.token] : cookieValues(req.headers.cookie, PREVIEW_COOKIE).slice(0, 4);
    if (!candidates.length) {
      throw new UnauthorizedException('Missing preview token', { reason: 'missing_token' });
    }
    let orgId: string | undefined;
    let failure: unknown = new UnauthorizedException('Token is not valid for this preview', {
      reason: 'scope_mismatch',
    });
    for (const token of candidates) {
      try {
        const c = await this.tokens.verifyPreviewToken(token);
        if (c.sid === at.sessionId && Number(c.port) === at.port) {
          orgId = c.org_id;
          break;
        }
      } catch (err) {
        failure = err;
      }
    }
    if (!orgId) {
      throw failure;
    }
    const connect = await this.target(orgId, at.sessionId, at.port);
    if (socket.destroyed) {
      return;
    }
    proxyUpgrade(req, socket, head, this.proxyTarget(at, connect));
  }

  private proxyTarget(at: PreviewRequestPath, connect: SandboxConnectTarget): ProxyTarget {
    return {
      service: 'sandbox',
      connect,
      path: `${at.path}${at.search}`,
      headers: {
        host: `localhost:${at.port}`,
        'x-forwarded-prefix': `${at.base}`,
      },
      stripHeaders: STRIPPED,
      unreachableError: portNotBound,
    };
  }
}
