import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { checkStaticBearer } from './static-bearer';

/**
 * `Authorization: Bearer <METRICS_TOKEN>` (GET /metrics). With METRICS_TOKEN unset the route is
 * not served on the API port: 404, the same answer as an unknown route (docs/metrics.md).
 */
@Injectable()
export class MetricsTokenStrategy extends PassportStrategy(CustomStrategy, 'agentcy-metrics-token') {
  readonly kind = 'metrics' as const;

  constructor(private readonly metricsToken: string | undefined) {
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
    checkStaticBearer(req, this.metricsToken, 'metrics');
    return { kind: 'metrics', subject: 'metrics' };
  }
}
