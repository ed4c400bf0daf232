import type { Principal, ServiceCaller } from '@libs/auth/principal';
import { mapError } from '@libs/errors/all-exceptions.filter';
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { catchError, concatMap } from 'rxjs/operators';
import { AUDIT_ACTION_METADATA, AuditActionMeta, NO_AUDIT_METADATA } from './audit.decorators';
import { AuditService } from './audit.service';
import { requestMetaOf } from './request-meta';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type AuditedRequest = Request & { principal?: Principal; caller?: ServiceCaller; id?: string };

/** `/api/v1/api-keys/:id/rotate` → `api-keys` */
export function resourceOf(routePath: string): string {
  const parts = routePath.split('/').filter(Boolean);
  const i = parts[0] === 'api' && /^v\d+$/.test(parts[1] ?? '') ? 2 : 0;
  return parts[i] ?? 'unknown';
}

/**
 * Writes one audit entry per mutating request (POST/PUT/PATCH/DELETE), success or failure,
 * after the handler finished and before the response is sent. Requests refused by a guard
 * (401/403) are recorded by the AuthGuard itself.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') {
      return next.handle();
    }
    const req = ctx.switchToHttp().getRequest<AuditedRequest>();
    if (!MUTATING.has(req.method)) {
      return next.handle();
    }
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(NO_AUDIT_METADATA, targets)) {
      return next.handle();
    }
    const meta = this.reflector.getAllAndOverride<AuditActionMeta | undefined>(AUDIT_ACTION_METADATA, targets);
    let done = false;
    const write = async (body: unknown, err?: unknown) => {
      if (done) {
        return;
      }
      done = true;
      const routePath = `${req.baseUrl ?? ''}${req.route?.path ?? req.path}`;
      const targetId =
        req.params?.id ??
        (body && typeof body === 'object' && typeof (body as { id?: unknown }).id === 'string'
          ? (body as { id: string }).id
          : undefined);
      const mapped = err === undefined ? undefined : mapError(err);
      const p = req.principal;
      const r = requestMetaOf(req);
      await this.audit.record({
        orgId: p?.orgId ?? req.caller?.orgId ?? null,
        category: meta?.category ?? 'api',
        action: meta?.action ?? `${req.method} ${routePath}`,
        result: !mapped ? 'success' : mapped.status === 403 ? 'denied' : 'failure',
        actor: p ? { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId } : null,
        target: { type: meta?.targetType ?? resourceOf(routePath), ...(targetId ? { id: targetId } : {}) },
        ip: r.ip,
        requestId: r.requestId,
        details: {
          method: req.method,
          path: req.originalUrl.split('?')[0],
          ...(req.caller ? { caller: { kind: req.caller.kind, subject: req.caller.subject } } : {}),
          ...(mapped ? { status: mapped.status, error_code: mapped.code } : {}),
        },
      });
    };
    return next.handle().pipe(
      concatMap(async (body) => {
        await write(body);
        return body;
      }),
      catchError(async (err) => {
        await write(undefined, err);
        throw err;
      }),
    );
  }
}
