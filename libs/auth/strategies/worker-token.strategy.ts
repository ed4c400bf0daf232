import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import { bearerOf } from '../authed-request';
import type { ServiceCaller } from '../principal';
import { constantTimeEqual } from './constant-time';

/** `Authorization: Bearer <WORKER_TOKEN>`; unset WORKER_TOKEN refuses every worker call. */
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
    const given = bearerOf(req);
    if (!given) {
      throw new UnauthorizedException('Missing worker token', { reason: 'missing_token' });
    }
    if (!this.workerToken) {
      throw new UnauthorizedException('Worker authentication is not configured', { reason: 'worker_token_unset' });
    }
    if (!constantTimeEqual(given, this.workerToken)) {
      throw new UnauthorizedException('Invalid worker token', { reason: 'invalid_worker_token' });
    }
    return { kind: 'worker', subject: 'worker' };
  }
}
