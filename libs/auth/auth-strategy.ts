import type { IncomingMessage } from 'node:http';
import type { Principal } from './principal';

/**
 * Resolves a bearer credential (JWT or API key) to a user principal, or throws
 * UnauthorizedException. Implemented by AuthModule: it picks the Passport strategy from the token
 * itself (`ak_` prefix, JWT header `alg`) and runs it. `req` is the HTTP request, or the WebSocket
 * upgrade request (whose bearer comes from a subprotocol, hence the explicit `bearer`).
 */
export abstract class PrincipalResolver {
  abstract resolve(bearer: string, req: IncomingMessage): Promise<Principal>;
}

/**
 * Whether an org may still act (neither disabled nor deleted). The guard checks it for service
 * credentials that carry an org (inbound chat webhooks, signed hooks, pipeline and preview
 * tokens); user credentials are checked by the PrincipalResolver.
 */
export abstract class OrgStatusPort {
  abstract isActive(orgId: string): Promise<boolean>;
}
