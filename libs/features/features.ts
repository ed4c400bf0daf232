import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { ErrorEnvelope, FeatureDisabledException } from '@libs/errors';
import { applyDecorators, CanActivate, ExecutionContext, Injectable, Optional, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiResponse } from '@nestjs/swagger';

export const FEATURE_FLAGS = ['rag', 'workers', 'orchestrator', 'voice', 'policies', 'ciab'] as const;
export type FeatureFlag = (typeof FEATURE_FLAGS)[number];
export const FEATURE_METADATA = 'agentcy:feature';

/** Marks a controller or route as belonging to a feature-gated group. */
export function RequiresFeature(flag: FeatureFlag) {
  return applyDecorators(
    SetMetadata(FEATURE_METADATA, flag),
    ApiResponse({ status: 404, description: `feature_disabled while features.${flag} is off`, type: ErrorEnvelope }),
  );
}

/**
 * Port: the per-org feature overrides (provided by the settings module). Without it every org
 * gets the install defaults.
 */
export abstract class FeatureOverridesPort {
  abstract overrides(orgId: string): Promise<Partial<Record<FeatureFlag, boolean>>>;
}

@Injectable()
export class FeatureFlagService {
  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly overrides?: FeatureOverridesPort,
  ) {}

  /** The install-wide flags from configuration (what /health reports). */
  defaults(): Record<FeatureFlag, boolean> {
    return { ...this.config.features };
  }

  async effective(orgId?: string): Promise<Record<FeatureFlag, boolean>> {
    const base = this.defaults();
    if (!orgId || !this.overrides) {
      return base;
    }
    return { ...base, ...(await this.overrides.overrides(orgId)) };
  }

  async isEnabled(flag: FeatureFlag, orgId?: string): Promise<boolean> {
    return (await this.effective(orgId))[flag];
  }
}

/** Runs after AuthGuard: a route of a disabled group answers 404 `feature_disabled`. */
@Injectable()
export class FeatureFlagGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly flags: FeatureFlagService,
  ) {}

  /** Synchronous for routes behind no flag (most): an async guard costs every request a promise. */
  canActivate(ctx: ExecutionContext): boolean | Promise<boolean> {
    const flag = this.reflector.getAllAndOverride<FeatureFlag | undefined>(FEATURE_METADATA, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (!flag) {
      return true;
    }
    const req = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
    return this.check(flag, req.principal?.orgId);
  }

  private async check(flag: FeatureFlag, orgId: string | undefined): Promise<boolean> {
    if (!(await this.flags.isEnabled(flag, orgId))) {
      throw new FeatureDisabledException(flag);
    }
    return true;
  }
}
