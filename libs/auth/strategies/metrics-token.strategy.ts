import { AppException, UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import { bearerOf } from '../authed-request';
import type { ServiceCaller } from '../principal';
import { constantTimeEqual } from './constant-time';

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
    if (!this.metricsToken) {
      // the router's own answer to an unknown path, so a probe cannot tell the route exists
      throw new AppException(404, 'not_found', `Cannot ${req.method} ${req.path}`);
    }
    const given = bearerOf(req);
    if (!given) {
      throw new UnauthorizedException('Missing metrics token', { reason: 'missing_token' });
    }
    if (!constantTimeEqual(given, this.metricsToken)) {
      throw new UnauthorizedException('Invalid metrics token', { reason: 'invalid_metrics_token' });
    }
    return { kind: 'metrics', subject: 'metrics' };
  }
}
