import { UnauthorizedException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as CustomStrategy } from 'passport-custom';
import type { ServiceCaller } from '../principal';
import { ServiceTokenService } from '../service-token.service';

/**
 * `?token=<preview JWT>` scoped to `{session_id, port}`. When the route has a session id
 * (`:session_id`, `:sessionId` or `:sid`) or `:port` parameter, it must match the token.
 */
@Injectable()
export class PreviewTokenStrategy extends PassportStrategy(CustomStrategy, 'agentcy-preview-token') {
  readonly kind = 'preview' as const;

  constructor(private readonly tokens: ServiceTokenService) {
    super();
  }

  async validate(req: Request): Promise<ServiceCaller> {
    const q = req.query?.token;
    const token = typeof q === 'string' ? q : undefined;
    if (!token) {
      throw new UnauthorizedException('Missing preview token', { reason: 'missing_token' });
    }
    const c = await this.tokens.verifyPreviewToken(token);
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    const sid = params.session_id ?? params.sessionId ?? params.sid;
    if (sid !== undefined && sid !== c.sid) {
      throw new UnauthorizedException('Token is not valid for this session', { reason: 'scope_mismatch' });
    }
    if (params.port !== undefined && Number(params.port) !== Number(c.port)) {
      throw new UnauthorizedException('Token is not valid for this port', { reason: 'scope_mismatch' });
    }
    return {
      kind: 'preview',
      orgId: c.org_id,
      subject: `preview:${c.sid}:${c.port}`,
      claims: { session_id: c.sid, port: c.port, exp: c.exp },
    };
  }
}
