import { CryptoModule } from '@libs/crypto/crypto.module';
import { FeatureOverridesPort, FeaturesModule } from '@libs/features';
import { OrgLlmConfigPort } from '@libs/llm/llm-provider.factory';
import { LlmModule } from '@libs/llm/llm.module';
import { Module } from '@nestjs/common';
import { OrgsModule } from '../orgs/orgs.module';
import { OrgSettingsReader } from './org-settings.reader';
import { SettingsRepository } from './settings.repository';

/**
 * The org settings store and the ports libs read it through (feature overrides, per-org LLM
 * configuration). It imports no module that consumes those ports, so they can import it.
 */
@Module({
  imports: [OrgsModule, CryptoModule],
  providers: [
    SettingsRepository,
    OrgSettingsReader,
    { provide: FeatureOverridesPort, useExisting: OrgSettingsReader },
    { provide: OrgLlmConfigPort, useExisting: OrgSettingsReader },
  ],
  exports: [SettingsRepository, OrgSettingsReader, FeatureOverridesPort, OrgLlmConfigPort],
})
export class OrgSettingsModule {}

/** Import this (not `FeaturesModule`) for `FeatureFlagService` honouring each org's feature overrides. */
export const OrgFeaturesModule = FeaturesModule.withOverrides(OrgSettingsModule);

/** Import this (not `LlmModule`) for `LlmProviderFactory` honouring each org's `/settings/llm`. */
export const OrgLlmModule = LlmModule.withOrgConfig(OrgSettingsModule);
