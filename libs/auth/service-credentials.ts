import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { Injectable, type Provider } from '@nestjs/common';
import type { Request } from 'express';
import type { ServiceAuthKind } from './auth.decorators';
import { authenticateWith, type CredentialStrategy } from './passport/run-strategy';
import type { ServiceCaller } from './principal';
import { MetricsTokenStrategy } from './strategies/metrics-token.strategy';
import { PipelineTokenStrategy } from './strategies/pipeline-token.strategy';
import { PreviewTokenStrategy } from './strategies/preview-token.strategy';
import { SharedSecretStrategy } from './strategies/shared-secret.strategy';
import { WebhookSignatureStrategy } from './strategies/webhook-signature.strategy';
import { WorkerTokenStrategy } from './strategies/worker-token.strategy';

/**
 * The Passport strategy of each non-user credential kind (`@WorkerToken()`, `@Signed(kind)`),
 * composed by the AuthGuard: the route's declaration picks the strategy, never the credential.
 */
@Injectable()
export class ServiceCredentials {
  private readonly byKind: Record<ServiceAuthKind, CredentialStrategy>;

  constructor(
    worker: WorkerTokenStrategy,
    webhook: WebhookSignatureStrategy,
    sharedSecret: SharedSecretStrategy,
    pipeline: PipelineTokenStrategy,
    preview: PreviewTokenStrategy,
    metrics: MetricsTokenStrategy,
  ) {
    this.byKind = { worker, webhook, shared_secret: sharedSecret, pipeline, preview, metrics };
  }

  strategyFor(kind: ServiceAuthKind): CredentialStrategy {
    const s = this.byKind[kind];
    if (!s) {
      throw new AppException(503, 'auth_strategy_unavailable', `No verifier is registered for "${kind}" credentials`);
    }
    return s;
  }

  authenticate(kind: ServiceAuthKind, req: Request): Promise<ServiceCaller> {
    return authenticateWith<ServiceCaller>(this.strategyFor(kind), req);
  }
}

/**
 * Providers of the non-user strategies, declared next to the global AuthGuard (the app's root
 * module): the webhook and shared-secret strategies take the `WebhookSecretResolver` /
 * `SharedSecretResolver` that the owning route-group module exports, as `@Optional()` injections.
 */
export const SERVICE_CREDENTIAL_PROVIDERS: Provider[] = [
  {
    provide: WorkerTokenStrategy,
    useFactory: (config: AppConfig) => new WorkerTokenStrategy(config.workerToken),
    inject: [AppConfig],
  },
  {
    provide: MetricsTokenStrategy,
    useFactory: (config: AppConfig) => new MetricsTokenStrategy(config.metrics.token),
    inject: [AppConfig],
  },
  WebhookSignatureStrategy,
  SharedSecretStrategy,
  PipelineTokenStrategy,
  PreviewTokenStrategy,
  ServiceCredentials,
];
