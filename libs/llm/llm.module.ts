import { EgressModule } from '@libs/egress/egress.module';
import { MetricsModule } from '@libs/metrics/metrics.module';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfiguredLlmProviderFactory } from './llm-provider.factory';
import { LlmProviderFactory } from './llm.port';

const withOrgConfig = new Map<Type, DynamicModule>();

/**
 * Provides `LlmProviderFactory` (inject the abstract class). Imported as is, every org uses the
 * install env (or offline); `LlmModule.withOrgConfig(M)` reads each org's configuration from the
 * `OrgLlmConfigPort` that module M exports (one instance per M, shared by every importer).
 * Requests to org-chosen base URLs go through the egress guard (EgressModule).
 */
@Module({
  imports: [EgressModule, MetricsModule],
  providers: [ConfiguredLlmProviderFactory, { provide: LlmProviderFactory, useExisting: ConfiguredLlmProviderFactory }],
  exports: [ConfiguredLlmProviderFactory, LlmProviderFactory],
})
export class LlmModule {
  static withOrgConfig(source: Type): DynamicModule {
    let mod = withOrgConfig.get(source);
    if (!mod) {
      mod = { module: LlmModule, imports: [source] };
      withOrgConfig.set(source, mod);
    }
    return mod;
  }
}
