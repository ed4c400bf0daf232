import { AuditService } from '@libs/audit';
import { requestMetaOf } from '@libs/audit/request-meta';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { AppException, mapError, ServiceUnavailableException, ValidationException } from '@libs/errors';
import { proxyHttp, type ProxyTarget } from '@libs/reverse-proxy';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { filterList, MAX_REFERENCES, ownedBy, referencedIds, requireOwned, withCallerOrg } from './tenant-scope';

export type SidecarName = 'openfang' | 'ciab';

/** How the answer of one proxied call is scoped to the caller's org. */
export type ScopeMode = 'object' | 'list' | 'stream';

export interface SidecarCall {
  /** path below the sidecar's API base, e.g. `/workflows/wf_1/run` (ids already URI-encoded) */
  path: string;
  mode: ScopeMode;
  /** what a 404 names (`Workflow`) */
  what: string;
  /** objects (paths below the API base) that must belong to the caller before the call is forwarded */
  owned?: string[];
  /** JSON body ids (agent_id, workflow_id…) are checked and `org_id` is forced to the caller's org */
  scopeBody?: boolean;
  /** audit action (`orchestrator.workflow.create`); unset: not audited */
  audit?: string;
}

const CONNECT_TIMEOUT_MS = 5_000;
const READ_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 3_000;

interface Sidecar {
  service: SidecarName;
  base?: URL;
  /** path prefix every call gets (`<OPENFANG_URL path>/api`) */
  prefix: string;
  apiKey?: string;
}

/**
 * The gateway in front of operator-configured sidecars (OpenFang, a remote CIAB control plane):
 * forwards through libs/reverse-proxy with the caller's org, user and role in `X-Agentcy-*`
 * headers (the caller's own Authorization/Cookie never leave), enforces tenant isolation on
 * what comes back (tenant-scope.ts), and audits changes. An unset or unreachable sidecar is a
 * 503 `sidecar_unavailable` with `details.service`.
 */
@Injectable()
export class SidecarGateway {
  private readonly sidecars: Record<SidecarName, Sidecar>;

  constructor(
    config: AppConfig,
    private readonly audit: AuditService,
  ) {
    const parse = (url?: string) => (url ? new URL(url) : undefined);
    const openfang = parse(config.sidecars.openfangUrl);
    const ciab = parse(config.sidecars.ciabUrl);
    const trim = (u?: URL) => (u ? u.pathname.replace(/\/+$/, '') : '');
    this.sidecars = {
      openfang: {
        service: 'openfang',
        base: openfang,
        prefix: `${trim(openfang)}/api`,
        apiKey: config.sidecars.openfangApiKey,
      },
      ciab: { service: 'ciab', base: ciab, prefix: trim(ciab) },
    };
  }

  configured(name: SidecarName): boolean {
    return !!this.sidecars[name].base;
  }

  /** `{ reachable, version? }` of a sidecar (`GET <api>/health`, then `<api>/version`), never throwing. */
  async probe(name: SidecarName): Promise<{ reachable: boolean; version?: string }> {
    const sc = this.sidecars[name];
    if (!sc.base) {
      return { reachable: false };
    }
    for (const path of ['/health', '/version']) {
      try {
        const res = await fetch(this.url(sc, path), {
          headers: this.serviceHeaders(sc),
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
        const body = (await res.json().catch(() => ({}))) as { version?: unknown };
        if (res.ok || res.status < 500) {
          return {
            reachable: true,
            ...(typeof body.version === 'string' ? { version: body.version.slice(0, 100) } : {}),
          };
        }
      } catch {
        return { reachable: false };
      }
    }
    return { reachable: false };
  }

  /** Forwards the request; the answer is written to `res` (or an AppException is thrown before anything was). */
  async forward(p: Principal, req: Request, res: Response, name: SidecarName, call: SidecarCall): Promise<void> {
    const sc = this.sidecars[name];
    let createdId: string | undefined;
    let audited = false;
    try {
      if (!sc.base) {
        throw this.unavailable(sc, 'not_configured');
      }
      for (const path of call.owned ?? []) {
        await this.assertOwned(p, sc, path, call.what);
      }
      let body: Buffer | undefined;
      if (call.scopeBody) {
        body = await this.scopedBody(p, sc, req);
      }
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      await proxyHttp(req, res, this.target(p, sc, `${sc.prefix}${call.path}${query}`, req), {
        body,
        requireJson: true,
        // the entry exists before the caller has the answer
        beforeRespond: call.audit
          ? async (status) => {
              audited = true;
              await this.record(p, req, call, status < 400 ? 'success' : 'failure', createdId, { status });
            }
          : undefined,
        transformJson:
          call.mode === 'stream'
            ? undefined
            : (json, status) => {
                if (status >= 400) {
                  return json; // the sidecar's own error
                }
                if (call.mode === 'list') {
                  return filterList(json, p.orgId);
                }
                const owned = requireOwned(json, p.orgId, call.what);
                const id = (owned as { id?: unknown }).id;
                createdId = typeof id === 'string' ? id : undefined;
                return owned;
              },
      });
    } catch (err) {
      if (call.audit && !audited) {
        const m = mapError(err);
        await this.record(p, req, call, 'failure', undefined, { status: m.status, error_code: m.code });
      }
      throw err;
    }
  }

  private record(
    p: Principal,
    req: Request,
    call: SidecarCall,
    result: 'success' | 'failure',
    createdId: string | undefined,
    details: Record<string, unknown>,
  ): Promise<unknown> {
    const r = requestMetaOf(req);
    const params = (req.params ?? {}) as Record<string, string>;
    const id = params.id ?? params.sid ?? createdId;
    const [domain, resource] = call.audit!.split('.');
    return this.audit.record({
      orgId: p.orgId,
      category: 'api',
      action: call.audit!,
      result,
      actor: { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId },
      target: { type: `${domain}.${resource}`, ...(id ? { id } : {}) },
      ip: r.ip,
      requestId: r.requestId,
      details: { method: req.method, path: req.originalUrl.split('?')[0], ...details },
    });
  }

  /** GET of one object below the sidecar API; 404 unless it belongs to the caller's org. */
  private async assertOwned(p: Principal, sc: Sidecar, path: string, what: string): Promise<void> {
    let res: globalThis.Response;
    try {
      res = await fetch(this.url(sc, path), {
        headers: { ...this.serviceHeaders(sc), ...this.orgHeaders(p), accept: 'application/json' },
        signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS + READ_TIMEOUT_MS),
      });
    } catch {
      throw this.unavailable(sc, 'unreachable');
    }
    const body = await res.json().catch(() => undefined);
    if (!res.ok || !ownedBy(body, p.orgId)) {
      throw new AppException(404, 'not_found', `${what} not found`);
    }
  }

  /** The JSON body with `org_id` forced and every referenced id checked against the caller's org. */
  private async scopedBody(p: Principal, sc: Sidecar, req: Request): Promise<Buffer | undefined> {
    const parsed = (req as Request & { body?: unknown }).body;
    const type = String(req.headers['content-type'] ?? '');
    if (!/json/i.test(type) || parsed === undefined || Buffer.isBuffer(parsed)) {
      if ((req as Request & { rawBody?: Buffer }).rawBody?.length) {
        throw new AppException(415, 'unsupported_media_type', 'The body must be JSON (application/json)');
      }
      return undefined;
    }
    const refs = referencedIds(parsed);
    if (refs.length > MAX_REFERENCES) {
      throw new ValidationException(`The body names more than ${MAX_REFERENCES} objects`, { location: 'body' });
    }
    for (const ref of refs) {
      await this.assertOwned(p, sc, `/${ref.collection}/${encodeURIComponent(ref.id)}`, 'Referenced object');
    }
    return Buffer.from(JSON.stringify(withCallerOrg(parsed, p.orgId)), 'utf8');
  }

  private target(p: Principal, sc: Sidecar, path: string, req: Request): ProxyTarget {
    const base = sc.base!;
    const tls = base.protocol === 'https:';
    return {
      service: sc.service,
      connect: { host: base.hostname.replace(/^\[|\]$/g, ''), port: Number(base.port || (tls ? 443 : 80)) },
      tls,
      path,
      headers: { host: base.host, ...this.serviceHeaders(sc), ...this.orgHeaders(p) },
      // caller-sent X-Agentcy-* headers never pass (the gateway sets its own)
      stripHeaders: [
        'authorization',
        'cookie',
        'x-api-key',
        ...Object.keys(req.headers).filter((h) => h.startsWith('x-agentcy-')),
      ],
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      readTimeoutMs: READ_TIMEOUT_MS,
    };
  }

  private orgHeaders(p: Principal): Record<string, string> {
    return { 'x-agentcy-org': p.orgId, 'x-agentcy-user': p.userId, 'x-agentcy-role': p.role };
  }

  private serviceHeaders(sc: Sidecar): Record<string, string> {
    return sc.apiKey ? { authorization: `Bearer ${sc.apiKey}` } : {};
  }

  private url(sc: Sidecar, path: string): string {
    return `${sc.base!.origin}${sc.prefix}${path}`;
  }

  private unavailable(sc: Sidecar, reason: string): ServiceUnavailableException {
    return new ServiceUnavailableException(
      `The ${sc.service} service is unavailable`,
      { service: sc.service, reason },
      'sidecar_unavailable',
    );
  }
}
