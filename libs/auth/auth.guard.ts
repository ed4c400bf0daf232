import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenException, UnauthorizedException } from '@libs/errors';
import { AUTH_METADATA, AuthRequirement } from './auth.decorators';
import { PrincipalResolver } from './auth-strategy';
import { roleRank, type Principal, type ServiceCaller } from './principal';
import { ServiceAuthRegistry } from './service-auth.registry';

export type AuthedRequest = Request & { principal?: Principal; caller?: ServiceCaller; id?: string };

export function bearerOf(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1].trim() : undefined;
}

/**
 * Global guard, deny by default: a route must declare how it is authenticated
 * (@Public, @Authenticated, @WorkerToken or @Signed); one that declares nothing is refused.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: PrincipalResolver,
    private readonly services: ServiceAuthRegistry,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const requirement = this.reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_METADATA, [ctx.getHandler(), ctx.getClass()]);
    if (!requirement) {
      this.logger.error(`Route ${req.method} ${req.route?.path ?? req.url} declares no authentication; refusing`);
      throw new UnauthorizedException('This route declares no authentication', undefined, 'unauthorized');
    }
    switch (requirement.kind) {
      case 'public': {
        // public routes still learn who is calling when a token is sent (e.g. /auth/me style handlers)
        return true;
      }
      case 'user': {
        const bearer = bearerOf(req);
        if (!bearer) throw new UnauthorizedException('Missing bearer token', { reason: 'missing_token' });
        const principal = await this.resolver.resolve(bearer, req);
        req.principal = principal;
        if (requirement.platformAdmin && !principal.platformAdmin) throw new ForbiddenException('Platform admin only');
        if (roleRank(principal.role) < roleRank(requirement.minRole)) {
          throw new ForbiddenException(`Requires role ${requirement.minRole} or higher`, { required_role: requirement.minRole, role: principal.role });
        }
        return true;
      }
      default: {
        req.caller = await this.services.get(requirement.kind).authenticate(req);
        return true;
      }
    }
  }
}
