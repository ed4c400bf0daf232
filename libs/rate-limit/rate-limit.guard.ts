import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AppConfig } from '@libs/config';
import type { AuthedRequest } from '@libs/auth/auth.guard';
import { RateLimitService } from './rate-limit.service';

/**
 * Global guard registered after AuthGuard: RATE_LIMIT_PER_MIN requests per minute per caller
 * (API key, user, or service caller). Anonymous requests on public routes are not counted
 * here; login has its own per-IP and per-account limit.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimitService,
    private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const p = req.principal;
    const who = p ? (p.apiKeyId ? `key:${p.apiKeyId}` : `user:${p.userId}`) : req.caller ? `svc:${req.caller.kind}:${req.caller.subject}` : undefined;
    if (!who) return true;
    await this.limits.enforce([`caller:${who}`], this.config.rateLimitPerMin);
    return true;
  }
}
