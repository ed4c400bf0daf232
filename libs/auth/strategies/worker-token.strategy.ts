import { AppException, UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import { bearerOf } from '../authed-request';
import type { ServiceCaller } from '../principal';
import { constantTimeEqual } from './constant-time';

/** `Authorization: Bearer <WORKER_TOKEN>`; with WORKER_TOKEN unset every worker route answers 404 (disabled). */
@Injectable()
export class WorkerTokenStrategy extends PassportStrategy(CustomStrategy, 'agentcy-worker-token') {
  readonly kind = 'worker' as const;

  constructor(private readonly workerToken: string | undefined) {
    super();
  }

  validate(req: Request): Promise<ServiceCaller> {
    try {
      return Promise.resolve(this.check(req));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private check(req: Request): ServiceCaller {
    if (!this.workerToken) {
      // spec A.3: without WORKER_TOKEN the daemon routes are disabled, answered like an unknown route
      throw new AppException(404, 'not_found', `Cannot ${req.method} ${req.path}`);
    }
    const given = bearerOf(req);
    if (!given) {
      throw new UnauthorizedException('Missing worker token', { reason: 'missing_token' });
    }
    if (!constantTimeEqual(given, this.workerToken)) {
      throw new UnauthorizedException('Invalid worker token', { reason: 'invalid_worker_token' });
    }
    return { kind: 'worker', subject: 'worker' };
  }
}
