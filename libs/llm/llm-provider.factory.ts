import { AppConfig } from '@libs/config';
import { Injectable } from '@nestjs/common';
import { DEFAULT_MODELS, isLlmProviderName, LlmConfig, ResolvedLlmConfig } from './llm-config';
import { LlmProvider, LlmProviderFactory } from './llm.port';
import { createLlmProvider, FallbackLlmProvider } from './providers';

/** Per-org LLM configuration (the settings module registers it); undefined = the org has none. */
export type OrgLlmConfigSource = (orgId: string) => Promise<LlmConfig | undefined>;

/**
 * The LlmProviderFactory of the app. Resolution order for an org:
 * 1. the org's `/settings/llm` (registered through `setOrgConfigSource`, keys decrypted there);
 * 2. the install env (`LLM_PROVIDER`, `LLM_MODEL`, `LLM_BASE_URL`, `LLM_API_KEY`) when
 *    `LLM_PROVIDER` is not `offline`;
 * 3. the built-in offline provider.
 * An org config without an API key inherits `LLM_API_KEY` when it uses the env's provider, else
 * `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` / `GOOGLE_API_KEY` for the hosted providers.
 */
@Injectable()
export class ConfiguredLlmProviderFactory extends LlmProviderFactory {
  private orgSource: OrgLlmConfigSource | undefined;

  constructor(private readonly appConfig: AppConfig) {
    super();
  }

  setOrgConfigSource(source: OrgLlmConfigSource): void {
    this.orgSource = source;
  }

  /** The install-wide configuration (env), or offline when none. */
  envConfig(): ResolvedLlmConfig {
    const env = this.appConfig.llm;
    if (!isLlmProviderName(env.provider) || env.provider === 'offline') {
      return {
        config: {
          provider: 'offline',
          model: env.provider === 'offline' && env.model ? env.model : DEFAULT_MODELS.offline,
        },
        source: 'default',
      };
    }
    return {
      config: {
        provider: env.provider,
        model: env.model || DEFAULT_MODELS[env.provider],
        baseUrl: env.baseUrl,
        apiKey: env.apiKey ?? this.providerKey(env.provider),
      },
      source: 'env',
    };
  }

  /** The configuration `forOrg` would use (with the decrypted key; never expose it). */
  async resolve(orgId: string): Promise<ResolvedLlmConfig> {
    const env = this.envConfig();
    const org = this.orgSource ? await this.orgSource(orgId) : undefined;
    if (!org) {
      return env;
    }
    const apiKey =
      org.apiKey ??
      (env.source === 'env' && env.config.provider === org.provider ? env.config.apiKey : undefined) ??
      this.providerKey(org.provider);
    return { config: { ...org, model: org.model || DEFAULT_MODELS[org.provider], apiKey }, source: 'org' };
  }

  /** OPENAI_API_KEY / ANTHROPIC_API_KEY / GOOGLE_API_KEY for the hosted providers. */
  private providerKey(provider: LlmConfig['provider']): string | undefined {
    const keys = this.appConfig.llm.providerKeys ?? {};
    return provider === 'openai'
      ? keys.openai
      : provider === 'anthropic'
        ? keys.anthropic
        : provider === 'google'
          ? keys.google
          : undefined;
  }

  async forOrg(orgId: string, overrides?: { model?: string }): Promise<LlmProvider> {
    const { config } = await this.resolve(orgId);
    return this.create(overrides?.model ? { ...config, model: overrides.model } : config);
  }

  /** A provider for an explicit configuration (used by `POST /settings/llm/test`); wraps a fallback if configured. */
  create(config: LlmConfig): LlmProvider {
    const primary = createLlmProvider(config);
    const fb = config.fallback;
    if (
      !fb ||
      (fb.provider === config.provider &&
        (fb.model || DEFAULT_MODELS[fb.provider]) === primary.model &&
        fb.baseUrl === config.baseUrl)
    ) {
      return primary;
    }
    return new FallbackLlmProvider(primary, () =>
      createLlmProvider({
        provider: fb.provider,
        model: fb.model || DEFAULT_MODELS[fb.provider],
        baseUrl: fb.baseUrl ?? (fb.provider === config.provider ? config.baseUrl : undefined),
        apiKey: fb.apiKey ?? (fb.provider === config.provider ? config.apiKey : this.providerKey(fb.provider)),
        temperature: config.temperature,
        maxOutputTokens: config.maxOutputTokens,
      }),
    );
  }
}
