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
