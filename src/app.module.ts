import { AuditModule } from '@libs/audit';
import { AuthGuard } from '@libs/auth/auth.guard';
import { SERVICE_CREDENTIAL_PROVIDERS } from '@libs/auth/service-credentials';
import { AppConfig, ConfigModule } from '@libs/config';
import { CryptoModule } from '@libs/crypto';
import { DatabaseModule } from '@libs/database/database.module';
import { AllExceptionsFilter, createValidationPipe } from '@libs/errors';
import { FeatureFlagGuard } from '@libs/features';
import { GraphModule } from '@libs/graph/graph.module';
import { IdempotencyModule } from '@libs/idempotency';
import { PolicyGuard } from '@libs/policy/policy.guard';
import { RateLimitGuard, RateLimitModule } from '@libs/rate-limit';
import { RedisModule } from '@libs/redis/redis.module';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { FEATURE_MODULES } from './feature-modules';
import { AuthModule } from './modules/auth/auth.module';
import { HealthModule } from './modules/health/health.module';
import { MetricsEndpointModule } from './modules/metrics/metrics-endpoint.module';
import { OpenApiModule } from './modules/openapi/openapi.module';
import { OrgsModule } from './modules/orgs/orgs.module';
import { PolicyEnforcementModule } from './modules/policies/policy-enforcement.module';
import { OrgFeaturesModule } from './modules/settings/org-settings.module';

/**
 * Guards run in registration order: authentication (deny by default), rate limits, feature flags, policies.
 * Route-group modules are listed in feature-modules.ts.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraModules: (Type<unknown> | DynamicModule)[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        RedisModule,
        GraphModule,
        CryptoModule,
        IdempotencyModule,
        RateLimitModule,
        OrgFeaturesModule,
        PolicyEnforcementModule,
        AuditModule,
        OpenApiModule,
        OrgsModule,
        AuthModule,
        HealthModule,
        MetricsEndpointModule,
        // before the feature modules: a port they also export (e.g. SharedSecretResolver) resolves to the extra module's
        ...extraModules,
        ...FEATURE_MODULES,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        ...SERVICE_CREDENTIAL_PROVIDERS,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: FeatureFlagGuard },
        // after authentication and feature flags: the org's policies (docs/policies.md)
        { provide: APP_GUARD, useExisting: PolicyGuard },
      ],
    };
  }
}
