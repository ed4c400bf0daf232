import type { AuthedRequest } from '@libs/auth/authed-request';
import { bearerFromRequest } from '@libs/auth/passport/run-strategy';
import type { Principal } from '@libs/auth/principal';
import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { UserPrincipals } from '../user-principals.service';

/** API keys (`ak_…`, passport-custom): the key's hash, state, IP allow-list and owner, read on every request. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(CustomStrategy, 'agentcy-api-key') {
  constructor(private readonly principals: UserPrincipals) {
    super();
  }

  validate(req: AuthedRequest): Promise<Principal> {
    const key = bearerFromRequest(req);
    if (!key) {
      throw new UnauthorizedException('Invalid API key', { reason: 'invalid_api_key' });
    }
    return this.principals.forApiKey(key, req);
  }
}
