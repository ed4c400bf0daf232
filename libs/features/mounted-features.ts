import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { FEATURE_METADATA, FeatureFlag } from './features';

/**
 * Which feature-gated route groups this build actually mounts (a controller or route marked with
 * `@RequiresFeature`). A flag that is on but has no routes behind it is not a feature a client can use.
 */
@Injectable()
export class MountedFeatures {
  private mounted?: ReadonlySet<FeatureFlag>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  has(flag: FeatureFlag): boolean {
    this.mounted ??= this.collect();
    return this.mounted.has(flag);
  }

  private collect(): ReadonlySet<FeatureFlag> {
    const flags = new Set<FeatureFlag>();
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
      if (!type) {
        continue;
      }
      const targets: object[] = [
        type,
        ...Object.getOwnPropertyNames(type.prototype as object)
          .filter((name) => name !== 'constructor')
          .map((name) => (type.prototype as Record<string, object>)[name])
          .filter((m) => typeof m === 'function'),
      ];
      for (const target of targets) {
        const flag = this.reflector.get<FeatureFlag | undefined>(FEATURE_METADATA, target as never);
        if (flag) {
          flags.add(flag);
        }
      }
    }
    return flags;
  }
}
