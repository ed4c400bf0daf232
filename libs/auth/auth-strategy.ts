import type { Request } from 'express';
import type { ServiceAuthKind } from './auth.decorators';
import type { Principal, ServiceCaller } from './principal';

/** Resolves a bearer credential (JWT or API key) to a user principal, or throws UnauthorizedException. */
export abstract class PrincipalResolver {
  abstract resolve(bearer: string, req: Request): Promise<Principal>;
}

/** Verifies one non-user credential kind; modules register theirs with ServiceAuthRegistry. */
export interface ServiceAuthStrategy {
  readonly kind: ServiceAuthKind;
  authenticate(req: Request): Promise<ServiceCaller>;
}

/**
 * Whether an org may still act (neither disabled nor deleted). The guard checks it for service
 * credentials that carry an org (inbound chat webhooks, signed hooks, pipeline and preview
 * tokens); user credentials are checked by the PrincipalResolver.
 */
export abstract class OrgStatusPort {
  abstract isActive(orgId: string): Promise<boolean>;
}
