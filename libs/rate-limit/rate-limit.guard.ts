import { AuditService } from '@libs/audit/audit.service';
import { requestMetaOf } from '@libs/audit/request-meta';
import type { AuthedRequest } from '@libs/auth/auth.guard';
import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ANONYMOUS_RATE_LIMIT } from './rate-limit.decorators';
import { RateLimitService } from './rate-limit.service';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The RATE_LIMIT_PER_MIN bucket of a service caller (the `/hooks` fast lane counts in it too). */
export function serviceCallerBucket(kind: string, subject: string): string {
  return `caller:svc:${kind}:${subject}`;
}

/**
 * Global guard registered after AuthGuard: RATE_LIMIT_PER_MIN requests per minute per caller
 * (API key, user, or service caller). Anonymous requests are counted only on routes marked
 * `@AnonymousRateLimit()`: AUTH_ANON_RATE_LIMIT_PER_MIN per client IP (login also has its own
 * per-IP and per-account limit). A refused mutating request is audited (it never reaches the
 * audit interceptor).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimitService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(ctx: ExecutionContext): boolean | Promise<boolean> {
    if (ctx.getType() !== 'http') {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const p = req.principal;
    const who = p
      ? p.apiKeyId
        ? `caller:key:${p.apiKeyId}`
        : `caller:user:${p.userId}`
      : req.caller
        ? serviceCallerBucket(req.caller.kind, req.caller.subject)
        : undefined;
    if (!who) {
      // refusals of anonymous floods are not audited: one write per refused request would be the flood's amplifier
      if (this.reflector.getAllAndOverride<boolean>(ANONYMOUS_RATE_LIMIT, [ctx.getHandler(), ctx.getClass()])) {
        return this.limits
          .enforce([`anon:ip:${requestMetaOf(req).ip ?? 'unknown'}`], this.config.authAnonRateLimitPerMin)
          .then(() => true);
      }
      return true;
    }
    return this.limitCaller(req, who);
  }

  private async limitCaller(req: AuthedRequest, who: string): Promise<boolean> {
    const p = req.principal;
    try {
      await this.limits.enforce([who], this.config.rateLimitPerMin);
    } catch (err) {
      if (err instanceof AppException && MUTATING.has(req.method)) {
        const meta = requestMetaOf(req);
        await this.audit.record({
          orgId: p?.orgId ?? req.caller?.orgId ?? null,
          category: 'api',
          action: `${req.method} ${req.baseUrl ?? ''}${req.route?.path ?? req.path}`,
          result: 'failure',
          actor: p ? { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId } : null,
          ip: meta.ip,
          requestId: meta.requestId,
          details: { status: err.status, error_code: err.code },
        });
      }
      throw err;
    }
    return true;
  }
}
