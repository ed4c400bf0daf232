import { SecretBox } from '@libs/crypto';
import { FEATURE_FLAGS, FeatureFlag, FeatureOverridesPort } from '@libs/features';
import type { LlmConfig } from '@libs/llm/llm-config';
import { OrgLlmConfigPort } from '@libs/llm/llm-provider.factory';
import { Injectable } from '@nestjs/common';
import { SettingsRepository } from './settings.repository';
import type { StoredSettings } from './settings.types';

/**
 * What other modules read of an org's settings, without the settings rules: the per-org feature
 * overrides (`FeatureOverridesPort`) and the org's LLM configuration with the decrypted key
 * (`OrgLlmConfigPort`). The settings document comes from the orgs module's OrgSettingsCache, which
 * every replica drops when the settings are written.
 */
@Injectable()
export class OrgSettingsReader implements FeatureOverridesPort, OrgLlmConfigPort {
  constructor(
    private readonly repo: SettingsRepository,
    private readonly secrets: SecretBox,
  ) {}

  async overrides(orgId: string): Promise<Partial<Record<FeatureFlag, boolean>>> {
    const row = await this.repo.find(orgId);
    return cleanOverrides(row?.settings.features);
  }

  /** The org's own LLM configuration with the decrypted key, or undefined (→ env / offline). */
  async find(orgId: string): Promise<LlmConfig | undefined> {
    const row = await this.repo.find(orgId);
    const llm = row?.settings.llm;
    if (!llm || !llm.provider) {
      return undefined;
    }
    return {
      provider: llm.provider,
      model: llm.model ?? undefined,
      baseUrl: llm.base_url ?? undefined,
      apiKey: this.openKey(llm.api_key_sealed),
      temperature: llm.temperature ?? undefined,
      maxOutputTokens: llm.max_output_tokens ?? undefined,
      fallback: llm.fallback?.provider
        ? { provider: llm.fallback.provider, model: llm.fallback.model ?? undefined }
        : undefined,
    };
  }

  private openKey(sealed: string | null | undefined): string | undefined {
    if (!sealed) {
      return undefined;
    }
    try {
      return this.secrets.open(Buffer.from(sealed, 'base64')).toString('utf8');
    } catch {
      return undefined; // sealed with another ENCRYPTION_KEY: treated as "no key"
    }
  }
}

/** Only `false` is stored as an override. */
export function cleanOverrides(stored: StoredSettings['features']): Partial<Record<FeatureFlag, boolean>> {
  const out: Partial<Record<FeatureFlag, boolean>> = {};
  if (!stored || typeof stored !== 'object') {
    return out;
  }
  for (const f of FEATURE_FLAGS) {
    if (stored[f] === false) {
      out[f] = false;
    }
  }
  return out;
}
