import { LlmModule } from '@libs/llm/llm.module';
import { Module } from '@nestjs/common';
import { RealmCheck } from './realm-check';
import { SettingsController } from './settings.controller';
import { SettingsRepository } from './settings.repository';
import { SettingsService } from './settings.service';

/**
 * `/settings`. At init it registers the per-org feature overrides with FeatureFlagService and the
 * per-org LLM configuration with the LLM provider factory. Exports SettingsService
 * (`getSecurity(orgId)` for the chat loop).
 */
@Module({
  imports: [LlmModule],
  controllers: [SettingsController],
  providers: [SettingsRepository, SettingsService, RealmCheck],
  exports: [SettingsService, RealmCheck],
})
export class SettingsModule {}
