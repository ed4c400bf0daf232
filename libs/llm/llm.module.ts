import { Global, Module } from '@nestjs/common';
import { ConfiguredLlmProviderFactory } from './llm-provider.factory';
import { LlmProviderFactory } from './llm.port';

/** Provides `LlmProviderFactory` (inject the abstract class) app-wide. */
@Global()
@Module({
  providers: [ConfiguredLlmProviderFactory, { provide: LlmProviderFactory, useExisting: ConfiguredLlmProviderFactory }],
  exports: [ConfiguredLlmProviderFactory, LlmProviderFactory],
})
export class LlmModule {}
