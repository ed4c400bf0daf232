import { UnauthorizedException } from '@libs/errors';
import type { IncomingMessage } from 'node:http';
import passport, { type Strategy } from 'passport';

/** The credential the dispatcher routed, kept on the request (not enumerable) for the strategy to read. */
const BEARER = Symbol('agentcy.bearer');
type WithBearer = IncomingMessage & { [BEARER]?: string };

/**
 * Hands `bearer` to the strategy that will run on `req`. The credential does not always come from
 * the `Authorization` header (the WebSocket upgrade carries it in a subprotocol), so strategies
 * read it from here (`bearerFromRequest`), never from the header themselves.
 */
export function attachBearer(req: IncomingMessage, bearer: string): void {
  Object.defineProperty(req, BEARER, { value: bearer, configurable: true, enumerable: false, writable: true });
}

/** passport-jwt `jwtFromRequest` extractor (and the API-key strategy's input): the attached credential. */
export function bearerFromRequest(req: IncomingMessage): string | null {
  return (req as WithBearer)[BEARER] ?? null;
}

/** A Passport strategy that can also say why it refused (passport `fail(info)`) as an API error. */
export interface CredentialStrategy extends Strategy {
  rejection?(info: unknown, req: IncomingMessage): Error;
}

/**
 * Runs one Passport strategy on one request through `passport.authenticate` (callback form, no
 * session). Resolves with what the strategy's `validate()` returned; an error thrown by
 * `validate()` (an AppException: 401 with its reason, 403, 503) is rethrown unchanged; a
 * verification failure (`fail(info)`, e.g. bad signature) becomes `strategy.rejection(info)`.
 * Each call runs on a fresh `Object.create(strategy)`, as passport does for named strategies, so
 * concurrent requests never share the per-request success/fail actions.
 */
export function authenticateWith<T>(strategy: CredentialStrategy, req: IncomingMessage): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (err: unknown, user: unknown, info: unknown) => {
      if (err) {
        reject(err instanceof Error ? err : new UnauthorizedException());
      } else if (!user) {
        reject(strategy.rejection?.(info, req) ?? new UnauthorizedException('Invalid credentials'));
      } else {
        resolve(user as T);
      }
    };
    const middleware = passport.authenticate(Object.create(strategy) as Strategy, { session: false }, done) as (
      req: IncomingMessage,
      res: unknown,
      next: (err?: unknown) => void,
    ) => void;
    middleware(req, undefined, (err?: unknown) => reject(err instanceof Error ? err : new UnauthorizedException()));
  });
}
