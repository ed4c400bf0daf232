import { AuditService } from '@libs/audit/audit.service';
import { requestMetaOf } from '@libs/audit/request-meta';
import { AppException, ForbiddenException, UnauthorizedException } from '@libs/errors';
import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OrgStatusPort, PrincipalResolver } from './auth-strategy';
import { AUTH_METADATA, AuthRequirement } from './auth.decorators';
import { bearerOf, type AuthedRequest } from './authed-request';
import { roleRank } from './principal';
import { ServiceCredentials } from './service-credentials';

export { bearerOf, type AuthedRequest, type AuthFailureContext } from './authed-request';

/**
 * Global guard, deny by default: a route must declare how it is authenticated
 * (@Public, @Authenticated, @WorkerToken or @Signed); one that declares nothing is refused.
 * It composes the Passport strategies: a user route hands the bearer to PrincipalResolver (which
 * picks the strategy from the token: API key, HS256 local JWT or RS256 OIDC JWT); a service route
 * runs the strategy of its declared kind (ServiceCredentials).
 * Every refusal is audited: 401 as category `auth` (failure), 403 as category `policy` (denied).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    private readonly services: ServiceCredentials,
    private readonly audit: AuditService,
    private readonly orgStatus: OrgStatusPort,
  ) {}

  /** Synchronous for public routes: an async guard costs every request a promise. */
  canActivate(ctx: ExecutionContext): boolean | Promise<boolean> {
    if (ctx.getType() !== 'http') {
      return true;
    }
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (requirement?.kind === 'public') {
      return true;
    }
    return this.authenticate(ctx.switchToHttp().getRequest<AuthedRequest>(), requirement);
  }

  private async authenticate(req: AuthedRequest, requirement: AuthRequirement | undefined): Promise<boolean> {
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
        const caller = await this.services.authenticate(requirement.kind, req);
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
