import { EgressModule } from '@libs/egress/egress.module';
import { Global, Module } from '@nestjs/common';
import { ConfiguredLlmProviderFactory } from './llm-provider.factory';
import { LlmProviderFactory } from './llm.port';

/**
 * Provides `LlmProviderFactory` (inject the abstract class) app-wide. Requests to org-chosen base
 * URLs go through the egress guard (EgressModule).
 */
@Global()
@Module({
  imports: [EgressModule],
  providers: [ConfiguredLlmProviderFactory, { provide: LlmProviderFactory, useExisting: ConfiguredLlmProviderFactory }],
  exports: [ConfiguredLlmProviderFactory, LlmProviderFactory],
})
export class LlmModule {}
