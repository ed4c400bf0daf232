import { AppConfig } from '@libs/config';
import { EgressForbiddenError, EgressGuard } from '@libs/egress';
import { LlmMetrics } from '@libs/metrics/llm-metrics';
import { Injectable, Optional } from '@nestjs/common';
import { instrumentLlm } from './instrumented.provider';
import { DEFAULT_MODELS, isLlmProviderName, LlmConfig, ResolvedLlmConfig } from './llm-config';
import { InstallLlmKeys, llmEndpoint, sameLlmDestination, selectLlmAccess } from './llm-endpoint';
import { LlmProvider, LlmProviderFactory } from './llm.port';
import { createLlmProvider, FallbackLlmProvider } from './providers';

/**
 * Port: the per-org LLM configuration (provided by the settings module); undefined = the org has
 * none. Its `apiKey` is the org's own key only. Without the port every org uses env / offline.
 */
export abstract class OrgLlmConfigPort {
  abstract find(orgId: string): Promise<LlmConfig | undefined>;
}

/**
 * The LlmProviderFactory of the app. Resolution order for an org:
 * 1. the org's `/settings/llm` (through `OrgLlmConfigPort`, keys decrypted there);
 * 2. the install env (`LLM_PROVIDER`, `LLM_MODEL`, `LLM_BASE_URL`, `LLM_API_KEY`) when
 *    `LLM_PROVIDER` is not `offline`;
 * 3. the built-in offline provider.
 * Keys follow `selectLlmAccess` (llm-endpoint.ts): an org's own key always; install keys
 * (LLM_API_KEY, OPENAI/ANTHROPIC/GOOGLE_API_KEY) only with the install's own endpoints. Requests
 * to any other (org-chosen) endpoint go through the org's egress guard.
 */
@Injectable()
export class ConfiguredLlmProviderFactory extends LlmProviderFactory {
  constructor(
    private readonly appConfig: AppConfig,
    private readonly egress: EgressGuard,
    @Optional() private readonly orgConfig?: OrgLlmConfigPort,
    @Optional() private readonly metrics?: LlmMetrics,
  ) {
    super();
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
    const config: LlmConfig = {
      provider: env.provider,
      model: env.model || DEFAULT_MODELS[env.provider],
      baseUrl: env.baseUrl,
    };
    return { config: { ...config, apiKey: selectLlmAccess(config, this.installKeys()).apiKey }, source: 'env' };
  }

  /**
   * What an org asks for, with its own key only: its `/settings/llm`, else the env configuration
   * without a key (the key rule adds the install key for the install endpoint).
   */
  async orgTarget(orgId: string): Promise<ResolvedLlmConfig> {
    const org = this.orgConfig ? await this.orgConfig.find(orgId) : undefined;
    if (org) {
      return { config: { ...org, model: org.model || DEFAULT_MODELS[org.provider] }, source: 'org' };
    }
    const env = this.envConfig();
    return { config: { ...env.config, apiKey: undefined }, source: env.source };
  }

  /** The configuration `forOrg` would use (with the selected, decrypted key; never expose it). */
  async resolve(orgId: string): Promise<ResolvedLlmConfig> {
    const { config, source } = await this.orgTarget(orgId);
    return { config: { ...config, apiKey: selectLlmAccess(config, this.installKeys()).apiKey }, source };
  }

  async forOrg(orgId: string, overrides?: { model?: string }): Promise<LlmProvider> {
    const { config } = await this.orgTarget(orgId);
    return this.createForOrg(orgId, overrides?.model ? { ...config, model: overrides.model } : config);
  }

  /**
   * A provider for an org's configuration (`apiKey` = the org's own key; install keys are added
   * only where the key rule allows). Wraps a fallback if configured. Used by `forOrg` and by
   * `POST /settings/llm/test`.
   */
  createForOrg(orgId: string, config: LlmConfig): LlmProvider {
    const primary = this.build(orgId, config);
    const fb = this.fallbackTarget(config);
    if (!fb || (sameLlmDestination(fb, config) && fb.model === primary.model)) {
      return primary;
    }
    return new FallbackLlmProvider(primary, () => this.build(orgId, fb));
  }

  /**
   * Refuses (422 `egress_forbidden`) an org configuration whose endpoints the egress guard would
   * refuse, so a bad base URL fails when it is saved or tested. A host that does not resolve
   * passes here; the guard checks every request again.
   */
  async assertReachable(orgId: string, config: LlmConfig): Promise<void> {
    const fb = this.fallbackTarget(config);
    for (const target of fb ? [config, fb] : [config]) {
      if (selectLlmAccess(target, this.installKeys()).installEndpoint) {
        continue;
      }
      try {
        await this.egress
          .forOrg(orgId)
          .checkUrl(llmEndpoint(target.provider, target.baseUrl) ?? String(target.baseUrl));
      } catch (err) {
        if (err instanceof EgressForbiddenError) {
          throw err;
        }
      }
    }
  }

  private build(orgId: string, config: LlmConfig): LlmProvider {
    const access = selectLlmAccess(config, this.installKeys());
    const provider = createLlmProvider(
      { ...config, apiKey: access.apiKey, fallback: undefined },
      access.installEndpoint ? {} : { fetch: this.egress.forOrg(orgId).fetch },
    );
    return this.metrics ? instrumentLlm(provider, this.metrics) : provider;
  }

  /** The fallback as a target of its own: the primary's base URL and key follow only to the same destination. */
  private fallbackTarget(config: LlmConfig): LlmConfig | undefined {
    const fb = config.fallback;
    if (!fb) {
      return undefined;
    }
    const baseUrl = fb.baseUrl ?? (fb.provider === config.provider ? config.baseUrl : undefined);
    const target: LlmConfig = {
      provider: fb.provider,
      model: fb.model || DEFAULT_MODELS[fb.provider],
      baseUrl,
      temperature: config.temperature,
      maxOutputTokens: config.maxOutputTokens,
    };
    target.apiKey = fb.apiKey ?? (sameLlmDestination(target, config) ? config.apiKey : undefined);
    return target;
  }

  private installKeys(): InstallLlmKeys {
    const env = this.appConfig.llm;
    return { provider: env.provider, baseUrl: env.baseUrl, apiKey: env.apiKey, providerKeys: env.providerKeys ?? {} };
  }
}
