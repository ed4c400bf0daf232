import { AppException, UnauthorizedException } from '@libs/errors';
import type { Request } from 'express';
import { bearerOf } from '../authed-request';
import { constantTimeEqual } from './constant-time';

/**
 * `Authorization: Bearer <token>` against one operator-set token (constant-time). With the token
 * unset the routes are disabled and answer the router's own 404 for an unknown path, so a probe
 * cannot tell they exist. `name` words the errors (`Missing worker token`, `invalid_worker_token`).
 */
export function checkStaticBearer(req: Request, token: string | undefined, name: 'metrics' | 'worker'): void {
  if (!token) {
    throw new AppException(404, 'not_found', `Cannot ${req.method} ${req.path}`);
  }
  const given = bearerOf(req);
  if (!given) {
    throw new UnauthorizedException(`Missing ${name} token`, { reason: 'missing_token' });
  }
  if (!constantTimeEqual(given, token)) {
    throw new UnauthorizedException(`Invalid ${name} token`, { reason: `invalid_${name}_token` });
  }
}
