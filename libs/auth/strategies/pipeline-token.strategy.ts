import { UnauthorizedException } from '@libs/errors';
import type { Request } from 'express';
import type { ServiceAuthStrategy } from '../auth-strategy';
import { bearerOf } from '../auth.guard';
import type { ServiceCaller } from '../principal';
import type { ServiceTokenService } from '../service-token.service';

/** `Authorization: Bearer <pipeline JWT>` minted by ServiceTokenService.mintPipelineToken. */
export class PipelineTokenStrategy implements ServiceAuthStrategy {
  readonly kind = 'pipeline' as const;

  constructor(private readonly tokens: ServiceTokenService) {}

  async authenticate(req: Request): Promise<ServiceCaller> {
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
