import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import { bearerOf } from '../authed-request';
import type { ServiceCaller } from '../principal';
import { ServiceTokenService } from '../service-token.service';

/**
 * `Authorization: Bearer <pipeline JWT>` minted by ServiceTokenService.mintPipelineToken
 * (HS256 pinned, its own derived key, `aud: agentcy:pipeline`, `typ: pipeline`).
 */
@Injectable()
export class PipelineTokenStrategy extends PassportStrategy(CustomStrategy, 'agentcy-pipeline-token') {
  readonly kind = 'pipeline' as const;

  constructor(private readonly tokens: ServiceTokenService) {
    super();
  }

  async validate(req: Request): Promise<ServiceCaller> {
    const token = bearerOf(req);
    if (!token) {
      throw new UnauthorizedException('Missing pipeline token', { reason: 'missing_token' });
    }
    const c = await this.tokens.verifyPipelineToken(token);
    return {
      kind: 'pipeline',
      orgId: c.org_id,
      subject: `pipeline:${c.run_id}`,
      claims: { run_id: c.run_id, exp: c.exp },
    };
  }
}
