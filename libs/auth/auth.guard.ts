import { AuditService } from '@libs/audit/audit.service';
import { requestMetaOf } from '@libs/audit/request-meta';
import { AppException, ForbiddenException, UnauthorizedException } from '@libs/errors';
import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { OrgStatusPort, PrincipalResolver } from './auth-strategy';
import { AUTH_METADATA, AuthRequirement } from './auth.decorators';
import { roleRank, type Principal, type ServiceCaller } from './principal';
import { ServiceAuthRegistry } from './service-auth.registry';

/** What a verifier learnt about a credential it then refused (lets the audit entry land in the right org). */
export interface AuthFailureContext {
  orgId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  email?: string | null;
}

export type AuthedRequest = Request & {
  principal?: Principal;
  caller?: ServiceCaller;
  id?: string;
  authFailure?: AuthFailureContext;
};

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) {
    return undefined;
  }
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : undefined;
}

/**
 * Global guard, deny by default: a route must declare how it is authenticated
 * (@Public, @Authenticated, @WorkerToken or @Signed); one that declares nothing is refused.
 * Every refusal is audited: 401 as category `auth` (failure), 403 as category `policy` (denied).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    private readonly services: ServiceAuthRegistry,
    private readonly audit: AuditService,
    private readonly orgStatus: OrgStatusPort,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    try {
      return await this.check(req, requirement);
    } catch (err) {
      if (err instanceof AppException && (err.status === 401 || err.status === 403)) {
        await this.recordRefusal(req, err, requirement);
      }
      throw err;
    }
  }

  private async check(req: AuthedRequest, requirement: AuthRequirement | undefined): Promise<boolean> {
    if (!requirement) {
      this.logger.error(`Route ${req.method} ${req.route?.path ?? req.url} declares no authentication; refusing`);
      throw new UnauthorizedException('This route declares no authentication', undefined, 'unauthorized');
    }
    switch (requirement.kind) {
      case 'public':
        return true;
      case 'user': {
        const bearer = bearerOf(req);
        if (!bearer) {
          throw new UnauthorizedException('Missing bearer token', { reason: 'missing_token' });
        }
        const principal = await this.resolver.resolve(bearer, req);
        req.principal = principal;
        if (requirement.platformAdmin && !principal.platformAdmin) {
          throw new ForbiddenException('Platform admin only', { required: 'platform_admin' });
        }
        if (roleRank(principal.role) < roleRank(requirement.minRole)) {
          throw new ForbiddenException(`Requires role ${requirement.minRole} or higher`, {
            required_role: requirement.minRole,
            role: principal.role,
          });
        }
        return true;
      }
      default: {
        const caller = await this.services.get(requirement.kind).authenticate(req);
        if (caller.orgId && !(await this.orgStatus.isActive(caller.orgId))) {
          req.authFailure = { orgId: caller.orgId };
          throw new ForbiddenException('This organization is disabled', { reason: 'org_disabled' }, 'org_disabled');
        }
        req.caller = caller;
        return true;
      }
    }
  }

  private async recordRefusal(
    req: AuthedRequest,
    err: AppException,
    requirement: AuthRequirement | undefined,
  ): Promise<void> {
    const p = req.principal;
    const f = req.authFailure ?? {};
    const meta = requestMetaOf(req);
    const denied = err.status === 403;
    await this.audit.record({
      orgId: p?.orgId ?? f.orgId ?? null,
      category: denied ? 'policy' : 'auth',
      action: denied ? 'policy.deny' : 'auth.rejected',
      result: denied ? 'denied' : 'failure',
      actor: p
        ? { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId }
        : f.userId || f.apiKeyId
          ? { userId: f.userId, email: f.email, apiKeyId: f.apiKeyId }
          : null,
      target: { type: 'route', id: `${req.method} ${req.baseUrl ?? ''}${req.route?.path ?? req.path}` },
      ip: meta.ip,
      requestId: meta.requestId,
      details: {
        status: err.status,
        error_code: err.code,
        auth_kind: requirement?.kind ?? 'none',
        ...(err.details ?? {}),
      },
    });
  }
}
