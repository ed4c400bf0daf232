import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '@libs/config';
import { UnauthorizedException } from '@libs/errors';
import { PrincipalResolver } from '@libs/auth/auth-strategy';
import type { Principal } from '@libs/auth/principal';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { TokenService } from './token.service';

/**
 * Bearer credential → principal. `ak_…` values are API keys; otherwise the JWT header's alg
 * picks the verifier (HS256 local). A disabled user is refused at once.
 */
@Injectable()
export class BearerPrincipalResolver extends PrincipalResolver {
  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async resolve(bearer: string, _req: Request): Promise<Principal> {
    if (bearer.startsWith('ak_')) throw new UnauthorizedException('Invalid API key', { reason: 'invalid_api_key' });
    const alg = this.tokens.algorithmOf(bearer);
    if (alg !== 'HS256') throw new UnauthorizedException('Invalid token', { reason: 'unsupported_algorithm' });
    const claims = await this.tokens.verifyLocal(bearer);
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabledAt || user.orgId !== claims.org_id) throw new UnauthorizedException('Invalid token', { reason: 'unknown_user' });
    return this.toPrincipal(user);
  }

  toPrincipal(user: UserEntity, extra: Partial<Principal> = {}): Principal {
    return {
      kind: 'user',
      userId: user.id,
      orgId: user.orgId,
      role: user.role,
      email: user.email,
      platformAdmin: this.config.platformAdminEmails.includes(user.email.toLowerCase()),
      authProvider: user.authProvider,
      ...extra,
    };
  }
}
