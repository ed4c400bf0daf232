import { DynamicModule, Module, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { FeatureFlagService } from './features';
import { MountedFeatures } from './mounted-features';

const withOverrides = new Map<Type, DynamicModule>();

/**
 * `FeatureFlagService` and `MountedFeatures`. Imported as is, flags are the install defaults;
 * `FeaturesModule.withOverrides(M)` reads per-org overrides from the `FeatureOverridesPort` that
 * module M exports (one instance per M, so every importer shares it).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [FeatureFlagService, MountedFeatures],
  exports: [FeatureFlagService, MountedFeatures],
})
export class FeaturesModule {
  static withOverrides(source: Type): DynamicModule {
    let mod = withOverrides.get(source);
    if (!mod) {
      mod = { module: FeaturesModule, imports: [source] };
      withOverrides.set(source, mod);
    }
    return mod;
  }
}
