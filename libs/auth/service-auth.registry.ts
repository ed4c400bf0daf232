import { AppException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import type { ServiceAuthStrategy } from './auth-strategy';
import type { ServiceAuthKind } from './auth.decorators';

@Injectable()
export class ServiceAuthRegistry {
  private readonly strategies = new Map<ServiceAuthKind, ServiceAuthStrategy>();

  register(strategy: ServiceAuthStrategy): void {
    this.strategies.set(strategy.kind, strategy);
  }

  get(kind: ServiceAuthKind): ServiceAuthStrategy {
    const s = this.strategies.get(kind);
    if (!s) {
      throw new AppException(503, 'auth_strategy_unavailable', `No verifier is registered for "${kind}" credentials`);
    }
    return s;
  }
}
