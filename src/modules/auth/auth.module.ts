import { OrgStatusPort, PrincipalResolver } from '@libs/auth/auth-strategy';
import { PasswordHasher } from '@libs/auth/password-hasher';
import { ServiceAuthRegistry } from '@libs/auth/service-auth.registry';
import { SharedSecretResolver, WebhookSecretResolver } from '@libs/auth/service-secret.resolvers';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import {
  PipelineTokenStrategy,
  PreviewTokenStrategy,
  SharedSecretStrategy,
  WebhookSignatureStrategy,
  WorkerTokenStrategy,
} from '@libs/auth/strategies';
import { AppConfig } from '@libs/config';
import { Global, Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { AdminSeedService } from './admin-seed.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { OidcLoginService } from './oidc-login.service';
import { OidcUsersService } from './oidc-users.service';
import { OidcVerifier } from './oidc-verifier.service';
import { BearerPrincipalResolver } from './principal-resolver.service';
import { SessionRevocations } from './session-revocations.service';
import { TokenService } from './token.service';

/**
 * `/auth`, the bearer resolver of the global AuthGuard, and the non-user credential strategies.
 * Webhook and shared-secret strategies look up the owning module's `WebhookSecretResolver` /
 * `SharedSecretResolver` provider at request time (anywhere in the app).
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    AdminSeedService,
    TokenService,
    OidcVerifier,
    OidcUsersService,
    OidcLoginService,
    BearerPrincipalResolver,
    { provide: PrincipalResolver, useExisting: BearerPrincipalResolver },
    { provide: OrgStatusPort, useExisting: OrgsRepository },
    ServiceAuthRegistry,
    ServiceTokenService,
    SessionRevocations,
    PasswordHasher,
  ],
  exports: [
    OrgStatusPort,
    AuthService,
    TokenService,
    PrincipalResolver,
    BearerPrincipalResolver,
    ServiceAuthRegistry,
    ServiceTokenService,
    OidcVerifier,
    SessionRevocations,
    PasswordHasher,
  ],
})
export class AuthModule implements OnModuleInit {
  constructor(
    private readonly registry: ServiceAuthRegistry,
    private readonly serviceTokens: ServiceTokenService,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit() {
    const lookup =
      <T>(token: abstract new (...args: never[]) => T) =>
      (): T | undefined => {
        try {
          return this.moduleRef.get(token as never, { strict: false }) as T;
        } catch {
          return undefined;
        }
      };
    this.registry.register(new WorkerTokenStrategy(this.config.workerToken));
    this.registry.register(new WebhookSignatureStrategy(lookup(WebhookSecretResolver)));
    this.registry.register(new SharedSecretStrategy(lookup(SharedSecretResolver)));
    this.registry.register(new PipelineTokenStrategy(this.serviceTokens));
    this.registry.register(new PreviewTokenStrategy(this.serviceTokens));
  }
}
