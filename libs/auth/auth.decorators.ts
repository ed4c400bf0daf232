import { UnauthorizedException } from '@libs/errors';
import { ApiErrorResponses } from '@libs/openapi/api-error-responses.decorator';
import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiQuery, ApiSecurity } from '@nestjs/swagger';
import type { Principal, Role, ServiceCaller } from './principal';

export const AUTH_METADATA = 'agentcy:auth';

/** Credential kinds other than the user session; each has one guard strategy in libs/auth. */
export type ServiceAuthKind = 'worker' | 'webhook' | 'shared_secret' | 'pipeline' | 'preview' | 'metrics';

export type AuthRequirement =
  { kind: 'public' } | { kind: 'user'; minRole: Role; platformAdmin: boolean } | { kind: ServiceAuthKind };

/** No credentials needed. */
export function Public() {
  return applyDecorators(SetMetadata(AUTH_METADATA, { kind: 'public' } satisfies AuthRequirement), ApiErrorResponses());
}

/**
 * A user session: a JWT (local or OIDC) or an API key in `Authorization: Bearer`.
 * `minRole` defaults to viewer (any member of the org); `platformAdmin` restricts to install admins.
 */
export function Authenticated(opts: { minRole?: Role; platformAdmin?: boolean } = {}) {
  const req: AuthRequirement = {
    kind: 'user',
    minRole: opts.minRole ?? 'viewer',
    platformAdmin: opts.platformAdmin ?? false,
  };
  return applyDecorators(SetMetadata(AUTH_METADATA, req), ApiBearerAuth('bearer'), ApiErrorResponses({ auth: true }));
}

/** `WORKER_TOKEN` in `Authorization: Bearer`. */
export function WorkerToken() {
  return applyDecorators(
    SetMetadata(AUTH_METADATA, { kind: 'worker' } satisfies AuthRequirement),
    ApiSecurity('worker_token'),
    ApiErrorResponses({ auth: true }),
  );
}

/** `METRICS_TOKEN` in `Authorization: Bearer`; without METRICS_TOKEN the route answers 404. */
export function MetricsToken() {
  return applyDecorators(
    SetMetadata(AUTH_METADATA, { kind: 'metrics' } satisfies AuthRequirement),
    ApiSecurity('metrics_token'),
    ApiErrorResponses({ auth: true }),
  );
}

/** Authenticated by a signature or token that the route's own module verifies through a registered strategy. */
export function Signed(kind: Exclude<ServiceAuthKind, 'worker' | 'metrics'>) {
  const docs = {
    webhook: ApiHeader({
      name: 'X-Agentcy-Signature',
      required: true,
      description: 'sha256=<hex HMAC-SHA256(secret, raw body)>',
    }),
    shared_secret: ApiHeader({ name: 'X-Agentcy-Secret', required: true, description: 'Per-endpoint shared secret' }),
    pipeline: ApiBearerAuth('pipeline_jwt'),
    preview: ApiQuery({ name: 'token', required: true, description: 'Short-lived preview token' }),
  }[kind];
  return applyDecorators(
    SetMetadata(AUTH_METADATA, { kind } satisfies AuthRequirement),
    docs,
    ApiErrorResponses({ auth: true }),
  );
}

/** The resolved user principal of the request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!req.principal) {
    throw new UnauthorizedException();
  }
  return req.principal;
});

/** The resolved non-user caller (worker, webhook, ...). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): ServiceCaller => {
  const req = ctx.switchToHttp().getRequest<{ caller?: ServiceCaller }>();
  if (!req.caller) {
    throw new UnauthorizedException();
  }
  return req.caller;
});
