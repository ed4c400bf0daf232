import { OrgStatusPort, PrincipalResolver } from '@libs/auth/auth-strategy';
import { PasswordHasher } from '@libs/auth/password-hasher';
import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import { IdempotencyModule } from '@libs/idempotency';
import { RateLimitModule } from '@libs/rate-limit';
import { Module } from '@nestjs/common';
import { ApiKeysModule } from 'src/modules/api-keys/api-keys.module';
import { OrgsModule } from 'src/modules/orgs/orgs.module';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { AdminSeedService } from './admin-seed.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { OidcLoginService } from './oidc-login.service';
import { OidcUsersService } from './oidc-users.service';
import { OidcVerifier } from './oidc-verifier.service';
import { PrincipalCache } from './principal-cache';
import { BearerPrincipalResolver } from './principal-resolver.service';
import { SessionRevocations } from './session-revocations.service';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { LocalJwtStrategy } from './strategies/local-jwt.strategy';
import { OidcJwtStrategy } from './strategies/oidc-jwt.strategy';
import { TokenService } from './token.service';
import { UserPrincipals } from './user-principals.service';

/**
 * `/auth`, and the user-credential side of the global AuthGuard: `PrincipalResolver` (token →
 * Passport strategy: API key, local HS256 JWT, OIDC RS256 JWT). Modules that need a contract
 * below (PrincipalResolver, AuthService, PasswordHasher, ServiceTokenService, OrgStatusPort)
 * import AuthModule. The non-user strategies sit next to the guard (SERVICE_CREDENTIAL_PROVIDERS).
 */
@Module({
  imports: [OrgsModule, ApiKeysModule, RateLimitModule, PrincipalChangesModule, IdempotencyModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    AdminSeedService,
    TokenService,
    OidcVerifier,
    OidcUsersService,
    OidcLoginService,
    SessionRevocations,
    PasswordHasher,
    ServiceTokenService,
    UserPrincipals,
    PrincipalCache,
    ApiKeyStrategy,
    LocalJwtStrategy,
    OidcJwtStrategy,
    BearerPrincipalResolver,
    { provide: PrincipalResolver, useExisting: BearerPrincipalResolver },
    { provide: OrgStatusPort, useExisting: OrgsRepository },
  ],
  exports: [OrgStatusPort, PrincipalResolver, AuthService, PasswordHasher, ServiceTokenService],
})
export class AuthModule {}
