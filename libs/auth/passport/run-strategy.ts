import { UnauthorizedException } from '@libs/errors';
import type { IncomingMessage } from 'node:http';
import type { Strategy } from 'passport';

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

/** The actions a running strategy reports with (passport sets them on its per-request copy). */
interface StrategyRun {
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(err: unknown): void;
  pass(): void;
  redirect(url: string, status?: number): void;
  authenticate(req: IncomingMessage, options?: object): void;
}

/**
 * Runs one Passport strategy on one request, as `passport.authenticate(strategy, { session:
 * false }, callback)` does for a single strategy (callback form), without the session helpers it
 * would add to every request (`req.login`, `req.isAuthenticated`, …: nothing here uses them, and
 * adding five properties to each request cost more than the rest of it). Resolves with what the
 * strategy's `validate()` returned; an error thrown by `validate()` (an AppException: 401 with its
 * reason, 403, 503) is rethrown unchanged; a verification failure (`fail(info)`, e.g. bad
 * signature) becomes `strategy.rejection(info)`. Each call runs on a fresh `Object.create(strategy)`,
 * as passport does for named strategies, so concurrent requests never share the per-request actions.
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
    const run = Object.create(strategy) as StrategyRun;
    run.success = (user, info) => done(null, user, info);
    // passport: a number alone is a status, not a challenge
    run.fail = (challenge) => done(null, false, typeof challenge === 'number' ? undefined : challenge);
    run.error = (err) => done(err, undefined, undefined);
    run.pass = () => reject(new UnauthorizedException());
    run.redirect = () => reject(new UnauthorizedException());
    run.authenticate(req, { session: false });
  });
}
