import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { checkStaticBearer } from './static-bearer';

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
    checkStaticBearer(req, this.workerToken, 'worker');
    return { kind: 'worker', subject: 'worker' };
  }
}
