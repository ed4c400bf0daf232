import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { mask, SecretBox } from '@libs/crypto';
import { NotFoundException, ValidationException } from '@libs/errors';
import { FEATURE_FLAGS, FeatureFlag, FeatureFlagService } from '@libs/features';
import { DEFAULT_MODELS, LlmConfig, OPENAI_COMPATIBLE_PROVIDERS } from '@libs/llm/llm-config';
import { ConfiguredLlmProviderFactory } from '@libs/llm/llm-provider.factory';
import { toLlmError } from '@libs/llm/llm.errors';
import { Injectable } from '@nestjs/common';
import type { FeatureOverridesUpdateDto, FeaturesSettingsDto } from './dto/features-settings.dto';
import type { LlmSettingsDto, LlmSettingsUpdateDto, LlmTestDto, LlmTestResultDto } from './dto/llm-settings.dto';
import type { OrgSettingsDto, OrgSettingsUpdateDto } from './dto/org-settings.dto';
import type { SecuritySettingsDto, SecuritySettingsUpdateDto } from './dto/security-settings.dto';
import { decideLlmKey, type LlmKeyDecision } from './llm-key';
import { cleanOverrides } from './org-settings.reader';
import { RealmCheck } from './realm-check';
import { SettingsRepository, type OrgSettingsRow } from './settings.repository';
import {
  DEFAULT_APPROVAL_DEFAULTS,
  DEFAULT_APPROVAL_TIMEOUT_SECS,
  TOOL_EFFECTS,
  type OrgSecurity,
  type StoredLlm,
  type StoredSecurity,
  type StoredSettings,
} from './settings.types';

/** Request facts for audit entries (the controller passes them; the service never sees the request). */
export interface AuditMeta {
  ip?: string | null;
  requestId?: string | null;
}

const LLM_TEST_TIMEOUT_MS = 20000;

/**
 * Org settings in `organizations.settings` (JSONB): general (timezone, default_realm), security
 * (approval defaults), LLM (key sealed with SecretBox) and per-org feature overrides.
 *
 * Other modules use:
 * - `getSecurity(orgId)` → `{ approvalDefaults, approvalTimeoutSecs, orgTimezone, allowSelfApproval }`;
 * - the org's LLM configuration and feature overrides through `OrgSettingsReader` (the ports of
 *   `LlmProviderFactory` and `FeatureFlagService`; see org-settings.module.ts).
 */
@Injectable()
export class SettingsService {
  constructor(
    private readonly repo: SettingsRepository,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly flags: FeatureFlagService,
    private readonly llmFactory: ConfiguredLlmProviderFactory,
    private readonly realms: RealmCheck,
  ) {}

  // ---------------------------------------------------------------- general

  async getOrgSettings(p: Principal): Promise<OrgSettingsDto> {
    return this.toOrgSettingsDto(await this.load(p.orgId));
  }

  async updateOrgSettings(p: Principal, dto: OrgSettingsUpdateDto, meta: AuditMeta = {}): Promise<OrgSettingsDto> {
    if (dto.features) {
      this.assertFeaturesAllowed(dto.features);
    }
    await this.realms.assertExists(p, dto.default_realm, 'default_realm');
    const row = await this.repo.update(p.orgId, (cur) => {
      const next: StoredSettings = { ...cur };
      if (dto.timezone !== undefined) {
        next.timezone = dto.timezone;
      }
      if (dto.default_realm !== undefined) {
        next.default_realm = dto.default_realm;
      }
      if (dto.security) {
        next.security = mergeSecurity(cur.security, dto.security);
      }
      if (dto.features) {
        next.features = mergeFeatures(cur.features, dto.features, false);
      }
      return { settings: next, displayName: dto.display_name };
    });
    if (!row) {
      throw new NotFoundException('Organization');
    }
    await this.record(p, 'settings.update', { changes: dto }, meta);
    return this.toOrgSettingsDto(row);
  }

  // ---------------------------------------------------------------- security

  /** For the chat loop: the org's approval defaults and timeout (documented defaults when unset). */
  async getSecurity(orgId: string): Promise<OrgSecurity> {
    const row = await this.repo.find(orgId);
    const s = effectiveSecurity(row?.settings.security, row?.settings.timezone);
    return {
      approvalDefaults: s.approval_defaults,
      approvalTimeoutSecs: s.approval_timeout_secs,
      orgTimezone: s.org_timezone,
      allowSelfApproval: s.allow_self_approval,
    };
  }

  async getSecuritySettings(p: Principal): Promise<SecuritySettingsDto> {
    const row = await this.load(p.orgId);
    return effectiveSecurity(row.settings.security, row.settings.timezone);
  }

  async updateSecuritySettings(
    p: Principal,
    dto: SecuritySettingsUpdateDto,
    meta: AuditMeta = {},
  ): Promise<SecuritySettingsDto> {
    const row = await this.repo.update(p.orgId, (cur) => ({
      settings: { ...cur, security: mergeSecurity(cur.security, dto) },
    }));
    if (!row) {
      throw new NotFoundException('Organization');
    }
    const result = effectiveSecurity(row.settings.security, row.settings.timezone);
    await this.record(p, 'settings.security.update', { changes: dto, result }, meta);
    return result;
  }

  // ---------------------------------------------------------------- llm

  async getLlmSettings(p: Principal): Promise<LlmSettingsDto> {
    const row = await this.load(p.orgId);
    return this.toLlmDto(row.settings.llm);
  }

  async updateLlmSettings(p: Principal, dto: LlmSettingsUpdateDto, meta: AuditMeta = {}): Promise<LlmSettingsDto> {
    if (OPENAI_COMPATIBLE_PROVIDERS.includes(dto.provider) && !dto.base_url) {
      throw new ValidationException(`base_url is required for provider ${dto.provider}`, {
        fields: [{ field: 'base_url', errors: [`base_url is required for provider ${dto.provider}`] }],
      });
    }
    await this.llmFactory.assertReachable(p.orgId, {
      provider: dto.provider,
      baseUrl: dto.base_url ?? undefined,
      fallback: dto.fallback ? { provider: dto.fallback.provider, model: dto.fallback.model ?? undefined } : undefined,
    });
    let decision: LlmKeyDecision = { action: 'keep' };
    const row = await this.repo.update(p.orgId, (cur) => {
      const prev = cur.llm;
      decision = decideLlmKey(
        prev?.provider
          ? { provider: prev.provider, base_url: prev.base_url, hasKey: !!prev.api_key_sealed }
          : undefined,
        { provider: dto.provider, base_url: dto.base_url },
        dto.api_key,
      );
      let sealed: string | null = null;
      let hint: string | null = null;
      if (decision.action === 'set') {
        sealed = this.secrets.seal(decision.key).toString('base64');
        hint = mask(decision.key);
      } else if (decision.action === 'keep') {
        sealed = prev?.api_key_sealed ?? null;
        hint = prev?.api_key_hint ?? null;
      }
      const llm: StoredLlm = {
        provider: dto.provider,
        model: dto.model ?? null,
        base_url: dto.base_url ?? null,
        api_key_sealed: sealed,
        api_key_hint: hint,
        temperature: dto.temperature ?? null,
        max_output_tokens: dto.max_output_tokens ?? null,
        context_window: dto.context_window ?? null,
        fallback: dto.fallback ? { provider: dto.fallback.provider, model: dto.fallback.model ?? null } : null,
        updated_at: new Date().toISOString(),
      };
      return { settings: { ...cur, llm } };
    });
    if (!row) {
      throw new NotFoundException('Organization');
    }
    const { api_key: _secret, ...safe } = dto;
    const applied = decision as LlmKeyDecision;
    await this.record(
      p,
      'settings.llm.update',
      {
        changes: safe,
        api_key_changed: applied.action === 'set' || (applied.action === 'clear' && applied.reason !== 'none_stored'),
        api_key_set: !!row.settings.llm?.api_key_sealed,
        ...(applied.action === 'clear' && applied.reason === 'destination_changed'
          ? { api_key_dropped: 'destination_changed' }
          : {}),
      },
      meta,
    );
    return this.toLlmDto(row.settings.llm);
  }

  /** Removes the org's LLM configuration (back to env / offline). */
  async resetLlmSettings(p: Principal, meta: AuditMeta = {}): Promise<LlmSettingsDto> {
    const row = await this.repo.update(p.orgId, (cur) => {
      const { llm: _removed, ...rest } = cur;
      return { settings: rest };
    });
    if (!row) {
      throw new NotFoundException('Organization');
    }
    await this.record(p, 'settings.llm.reset', {}, meta);
    return this.toLlmDto(undefined);
  }

  /**
   * Sends a tiny prompt to the effective (or the given, unsaved) configuration. Never throws for
   * provider errors; an endpoint the egress guard refuses is a 422 `egress_forbidden`.
   */
  async testLlm(p: Principal, dto: LlmTestDto = {}): Promise<LlmTestResultDto> {
    const config = await this.llmTestConfig(p.orgId, dto);
    await this.llmFactory.assertReachable(p.orgId, config);
    const provider = this.llmFactory.createForOrg(p.orgId, config);
    const started = Date.now();
    const signal = AbortSignal.timeout(LLM_TEST_TIMEOUT_MS);
    let sample = '';
    try {
      for await (const ev of provider.stream({
        messages: [{ role: 'user', content: 'Reply with the single word: pong' }],
        tools: [],
        signal,
      })) {
        if (ev.type === 'text_delta' && sample.length < 100) {
          sample += ev.delta;
        }
      }
      return {
        ok: true,
        provider: config.provider,
        model: provider.model,
        latency_ms: Date.now() - started,
        sample: sample.slice(0, 100),
      };
    } catch (err) {
      const e = toLlmError(err, signal) as Error & { code?: string };
      const timedOut = signal.aborted;
      return {
        ok: false,
        provider: config.provider,
        model: provider.model,
        latency_ms: Date.now() - started,
        error: timedOut ? `No answer within ${LLM_TEST_TIMEOUT_MS / 1000}s` : e.message,
        error_code: timedOut ? 'llm_timeout' : (e.code ?? 'llm_error'),
      };
    }
  }

  /**
   * The configuration to test, with the org's own key only (the factory adds the install key
   * where the key rule allows it): the effective one with the body's overrides, or the body's
   * unsaved one. A stored key is carried only to the same destination.
   */
  private async llmTestConfig(orgId: string, dto: LlmTestDto): Promise<LlmConfig> {
    const { config: current } = await this.llmFactory.orgTarget(orgId);
    const next: LlmConfig = dto.provider
      ? { provider: dto.provider, model: dto.model, baseUrl: dto.base_url }
      : { ...current, model: dto.model ?? current.model, baseUrl: dto.base_url ?? current.baseUrl };
    const key = decideLlmKey(
      { provider: current.provider, base_url: current.baseUrl, hasKey: !!current.apiKey },
      { provider: next.provider, base_url: next.baseUrl },
      dto.api_key,
    );
    return {
      ...next,
      apiKey: key.action === 'set' ? key.key : key.action === 'keep' ? current.apiKey : undefined,
      model: next.model || DEFAULT_MODELS[next.provider],
      maxOutputTokens: 16,
      fallback: undefined, // test the configured provider itself
    };
  }

  // ---------------------------------------------------------------- features

  async getFeatures(p: Principal): Promise<FeaturesSettingsDto> {
    const row = await this.load(p.orgId);
    return this.toFeaturesDto(row.settings.features);
  }

  async updateFeatures(
    p: Principal,
    dto: FeatureOverridesUpdateDto,
    replace: boolean,
    meta: AuditMeta = {},
  ): Promise<FeaturesSettingsDto> {
    this.assertFeaturesAllowed(dto);
    const row = await this.repo.update(p.orgId, (cur) => ({
      settings: { ...cur, features: mergeFeatures(cur.features, dto, replace) },
    }));
    if (!row) {
      throw new NotFoundException('Organization');
    }
    const result = this.toFeaturesDto(row.settings.features);
    await this.record(
      p,
      replace ? 'settings.features.replace' : 'settings.features.update',
      { changes: dto, overrides: result.overrides },
      meta,
    );
    return result;
  }

  private assertFeaturesAllowed(dto: FeatureOverridesUpdateDto): void {
    const defaults = this.flags.defaults();
    const bad = FEATURE_FLAGS.filter((f) => dto[f] === true && !defaults[f]);
    if (bad.length) {
      throw new ValidationException(
        `Feature(s) ${bad.join(', ')} are disabled for this installation and cannot be enabled per org`,
        {
          fields: bad.map((f) => ({
            field: f,
            errors: [
              `${f} is off at install level (AGENTCY_FEATURES_${f.toUpperCase()}); an org can only switch installed features off`,
            ],
          })),
        },
      );
    }
  }

  private toFeaturesDto(stored: StoredSettings['features']): FeaturesSettingsDto {
    const defaults = this.flags.defaults();
    const overrides = cleanOverrides(stored);
    const flags = {} as Record<FeatureFlag, boolean>;
    const source = {} as Record<FeatureFlag, 'env' | 'org'>;
    for (const f of FEATURE_FLAGS) {
      flags[f] = f in overrides ? (overrides[f] as boolean) : defaults[f];
      source[f] = f in overrides ? 'org' : 'env';
    }
    return { ...flags, source, defaults, overrides };
  }

  // ---------------------------------------------------------------- helpers

  private async load(orgId: string): Promise<OrgSettingsRow> {
    const row = await this.repo.find(orgId);
    if (!row) {
      throw new NotFoundException('Organization');
    }
    return row;
  }

  private toLlmDto(llm: StoredLlm | undefined): LlmSettingsDto {
    if (llm?.provider) {
      return {
        provider: llm.provider,
        model: llm.model || DEFAULT_MODELS[llm.provider],
        base_url: llm.base_url ?? null,
        api_key_set: !!llm.api_key_sealed,
        api_key_masked: llm.api_key_sealed ? (llm.api_key_hint ?? '****') : null,
        temperature: llm.temperature ?? null,
        max_output_tokens: llm.max_output_tokens ?? null,
        context_window: llm.context_window ?? null,
        fallback: llm.fallback ? { provider: llm.fallback.provider, model: llm.fallback.model ?? null } : null,
        source: 'org',
        updated_at: llm.updated_at ?? null,
      };
    }
    const env = this.llmFactory.envConfig();
    return {
      provider: env.config.provider,
      model: env.config.model || DEFAULT_MODELS[env.config.provider],
      base_url: env.config.baseUrl ?? null,
      api_key_set: !!env.config.apiKey,
      api_key_masked: env.config.apiKey ? mask(env.config.apiKey) : null,
      temperature: null,
      max_output_tokens: null,
      context_window: null,
      fallback: null,
      source: env.source,
      updated_at: null,
    };
  }

  private toOrgSettingsDto(row: OrgSettingsRow): OrgSettingsDto {
    const s = row.settings;
    const { llm, security, features, ...rest } = s;
    const timezone = typeof s.timezone === 'string' ? s.timezone : 'UTC';
    const defaultRealm = typeof s.default_realm === 'string' ? s.default_realm : null;
    const visible: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest)) {
      if (!/secret|password|token|api_key/i.test(k)) {
        visible[k] = v;
      }
    }
    return {
      org: { id: row.id, name: row.name, display_name: row.displayName },
      display_name: row.displayName,
      timezone,
      default_realm: defaultRealm,
      settings: {
        ...visible,
        timezone,
        default_realm: defaultRealm,
        security: effectiveSecurity(security, s.timezone),
        llm: this.toLlmDto(llm),
        features: cleanOverrides(features),
      },
    };
  }

  private async record(p: Principal, action: string, details: Record<string, unknown>, meta: AuditMeta): Promise<void> {
    await this.audit.record({
      orgId: p.orgId,
      category: 'settings',
      action,
      result: 'success',
      actor: { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId },
      target: { type: 'settings', id: p.orgId },
      ip: meta.ip ?? null,
      requestId: meta.requestId ?? null,
      details,
    });
  }
}

function effectiveSecurity(stored: StoredSecurity | undefined, orgTimezone?: unknown): SecuritySettingsDto {
  const defaults = { ...DEFAULT_APPROVAL_DEFAULTS };
  for (const e of TOOL_EFFECTS) {
    const v = stored?.approval_defaults?.[e];
    if (v === 'allow' || v === 'approve' || v === 'deny') {
      defaults[e] = v;
    }
  }
  return {
    approval_defaults: defaults,
    approval_timeout_secs:
      typeof stored?.approval_timeout_secs === 'number' ? stored.approval_timeout_secs : DEFAULT_APPROVAL_TIMEOUT_SECS,
    org_timezone: stored?.org_timezone ?? (typeof orgTimezone === 'string' ? orgTimezone : 'UTC'),
    // off unless the org turns it on: the user who triggered a destructive call cannot approve it
    allow_self_approval: stored?.allow_self_approval ?? false,
  };
}

function mergeSecurity(cur: StoredSecurity | undefined, dto: SecuritySettingsUpdateDto): StoredSecurity {
  const next: StoredSecurity = { ...(cur ?? {}) };
  if (dto.approval_defaults) {
    const ad = { ...(cur?.approval_defaults ?? {}) };
    for (const e of TOOL_EFFECTS) {
      if (dto.approval_defaults[e] !== undefined) {
        ad[e] = dto.approval_defaults[e];
      }
    }
    next.approval_defaults = ad;
  }
  if (dto.approval_timeout_secs !== undefined) {
    next.approval_timeout_secs = dto.approval_timeout_secs;
  }
  if (dto.org_timezone !== undefined) {
    next.org_timezone = dto.org_timezone;
  }
  if (dto.allow_self_approval !== undefined) {
    next.allow_self_approval = dto.allow_self_approval;
  }
  return next;
}

/** Only `false` is stored; `true`/`null` remove the override. `replace` drops flags not in the body. */
function mergeFeatures(
  cur: StoredSettings['features'],
  dto: FeatureOverridesUpdateDto,
  replace: boolean,
): Partial<Record<FeatureFlag, boolean>> {
  const next: Partial<Record<FeatureFlag, boolean>> = replace ? {} : cleanOverrides(cur);
  for (const f of FEATURE_FLAGS) {
    const v = dto[f];
    if (v === false) {
      next[f] = false;
    } else if (v === true || v === null) {
      delete next[f];
    }
  }
  return next;
}
