import { Global, Module } from '@nestjs/common';
import { PrincipalResolver } from '@libs/auth/auth-strategy';
import { ServiceAuthRegistry } from '@libs/auth/service-auth.registry';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BearerPrincipalResolver } from './principal-resolver.service';
import { TokenService } from './token.service';

@Global()
@Module({
  controllers: [AuthController],
  providers: [AuthService, TokenService, BearerPrincipalResolver, { provide: PrincipalResolver, useExisting: BearerPrincipalResolver }, ServiceAuthRegistry],
  exports: [AuthService, TokenService, PrincipalResolver, BearerPrincipalResolver, ServiceAuthRegistry],
})
export class AuthModule {}
