import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { ConnectorRegistry } from '@libs/connectors/connector-registry';
import { EgressGuard } from '@libs/egress';
import { AppException, NotFoundException, UnprocessableException } from '@libs/errors';
import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { OrgsRepository } from '../orgs/orgs.repository';
import { UsersRepository } from '../orgs/users.repository';
import type { OAuthStartDto } from './dto/source-request.dto';
import type { OAuthStartResponseDto } from './dto/source-response.dto';
import { isBrowserBound, oauthBindingCookie, type OAuthBindingCookie } from './oauth-binding';
import { misdirectedTokenField, oauthClientFor } from './oauth-credentials';
import type { OAuthStateEntity } from './oauth-state.entity';
import { SourceRuntime } from './source-runtime.service';
import type { SourceEntity } from './source.entity';
import { SourcesRepository } from './sources.repository';
import { runValidation } from './sources.service';

interface ProviderSpec {
  authorizeUrl: string;
  tokenUrl: string;
  defaultScopes: string[];
  extraParams?: Record<string, string>;
  /** written as `base_url` into the config of sources the flow creates (GitHub Enterprise Server) */
  apiBaseUrl?: string;
}

/** Endpoints of each provider; GitHub's follow OAUTH_GITHUB_URL / OAUTH_GITHUB_API_URL (Enterprise Server). */
export function oauthProviders(config: AppConfig): Record<string, ProviderSpec> {
  const gh = config.oauth.github;
  return {
    github: {
      authorizeUrl: `${gh.webUrl}/login/oauth/authorize`,
      tokenUrl: `${gh.webUrl}/login/oauth/access_token`,
      defaultScopes: ['repo', 'read:org'],
      apiBaseUrl: gh.apiUrl,
    },
    google: {
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      defaultScopes: ['openid', 'email'],
      extraParams: { access_type: 'offline', prompt: 'consent' },
    },
  };
}

const STATE_TTL_MS = 10 * 60_000;

/**
 * OAuth connect flow for sources. `state` is a random single-use token stored in Postgres, bound
 * to org, user, provider, target source and a PKCE verifier, valid 10 minutes.
 */
@Injectable()
export class SourcesOAuthService {
  private readonly logger = new Logger(SourcesOAuthService.name);
  private readonly providers: Record<string, ProviderSpec>;

  constructor(
    private readonly repo: SourcesRepository,
    private readonly config: AppConfig,
    private readonly runtime: SourceRuntime,
    private readonly registry: ConnectorRegistry,
    private readonly audit: AuditService,
    private readonly egress: EgressGuard,
    private readonly orgs: OrgsRepository,
    private readonly users: UsersRepository,
  ) {
    this.providers = oauthProviders(config);
  }

  private provider(name: string): ProviderSpec {
    const p = this.providers[name];
    if (!p) {
      throw new NotFoundException('OAuth provider', { provider: name, supported: Object.keys(this.providers) });
    }
    return p;
  }

  private redirectUri(provider: string): string {
    return `${this.config.publicBaseUrl}/api/v1/sources/oauth/${provider}/callback`;
  }

  private clientCredentials(
    provider: string,
    source: SourceEntity | null,
  ): { clientId?: string; clientSecret?: string } {
    const fromEnv = (this.config.oauth as Record<string, { clientId?: string; clientSecret?: string }>)[provider] ?? {};
    return oauthClientFor(fromEnv, source ? this.runtime.fullConfig(source) : null);
  }

  /** A token from the install's OAuth app is never stored into a source that would send it elsewhere. */
  private assertTokenDestination(provider: string, spec: ProviderSpec, source: SourceEntity): void {
    const config = this.runtime.fullConfig(source);
    const def = this.runtime.definition(source);
    const field =
      def && oauthClientFor({}, config).install ? misdirectedTokenField(def, config, spec.apiBaseUrl) : null;
    if (field) {
      throw new UnprocessableException(
        'oauth_destination_mismatch',
        `This source sends its token to its own config.${field}; connect it with its own credentials instead of the ${provider} OAuth app of this server`,
        { provider, field: `config.${field}` },
      );
    }
  }

  /** The authorize URL, and the cookie that binds the flow to the caller's browser (oauth-binding.ts). */
  async start(
    p: Principal,
    providerName: string,
    dto: OAuthStartDto,
  ): Promise<{ body: OAuthStartResponseDto; binding: OAuthBindingCookie }> {
    const spec = this.provider(providerName);
    let source: SourceEntity | null = null;
    if (dto.source_id) {
      source = await this.repo.findSource(p.orgId, dto.source_id);
      if (!source) {
        throw new NotFoundException('Source');
      }
    }
    const { clientId } = this.clientCredentials(providerName, source);
    if (source) {
      this.assertTokenDestination(providerName, spec, source);
    }
    if (!clientId) {
      throw new UnprocessableException(
        'oauth_not_configured',
        `OAuth for ${providerName} is not configured (set OAUTH_${providerName.toUpperCase()}_CLIENT_ID or a source client_id)`,
        { provider: providerName },
      );
    }
    const state = randomBytes(32).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const expiresAt = new Date(Date.now() + STATE_TTL_MS);
    const scopes = dto.scopes?.length ? dto.scopes : spec.defaultScopes;
    const redirectUri = this.redirectUri(providerName);
    await this.repo.insertState({
      state,
      orgId: p.orgId,
      userId: p.userId,
      provider: providerName,
      sourceId: source?.id ?? null,
      name: dto.name ?? null,
      realm: dto.realm ?? null,
      scopes,
      pkceVerifier: verifier,
      redirectUri,
      expiresAt,
    });
    const url = new URL(spec.authorizeUrl);
    const params: Record<string, string> = {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: scopes.join(' '),
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(spec.extraParams ?? {}),
    };
    for (const [k, v] of Object.entries(params)) {
      url.searchParams.set(k, v);
    }
    return {
      body: { authorize_url: url.toString(), state, expires_at: expiresAt.toISOString() },
      binding: oauthBindingCookie(state, this.config.publicBaseUrl, STATE_TTL_MS),
    };
  }

  private front(params: Record<string, string>): string {
    const u = new URL(`${this.config.frontendUrl}/connectors`);
    for (const [k, v] of Object.entries(params)) {
      u.searchParams.set(k, v);
    }
    return u.toString();
  }

  /** Always resolves to a frontend URL (the user is in a browser): `?connected=` or `?error=`. */
  async callback(
    providerName: string,
    q: { code?: string; state?: string; error?: string },
    cookieHeader?: string,
  ): Promise<string> {
    const spec = this.providers[providerName];
    if (!spec) {
      return this.front({ error: 'unknown_provider', provider: providerName });
    }
    if (!q.state) {
      return this.front({ error: 'invalid_state', provider: providerName });
    }
    const st = await this.repo.consumeState(q.state, providerName);
    if (!st || st.expiresAt.getTime() < Date.now()) {
      return this.front({ error: 'invalid_state', provider: providerName });
    }
    // consumed above either way: a state that leaked cannot be tried twice
    const refused = await this.refuseCallback(st, cookieHeader);
    if (refused) {
      return this.front({ error: refused, provider: providerName });
    }
    if (q.error) {
      return this.front({
        error: q.error.replace(/[^a-z0-9_]/gi, '').slice(0, 64) || 'access_denied',
        provider: providerName,
      });
    }
    if (!q.code) {
      return this.front({ error: 'missing_code', provider: providerName });
    }
    const source = st.sourceId ? await this.repo.findSource(st.orgId, st.sourceId) : null;
    if (st.sourceId && !source) {
      return this.front({ error: 'source_not_found', provider: providerName });
    }
    const { clientId, clientSecret } = this.clientCredentials(providerName, source);
    let tokens: Record<string, unknown>;
    try {
      // made for the org: through its egress guard like every other outbound connection
      const res = await this.egress.forOrg(st.orgId).fetch(spec.tokenUrl, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: q.code,
          redirect_uri: st.redirectUri,
          client_id: clientId ?? '',
          client_secret: clientSecret ?? '',
          code_verifier: st.pkceVerifier,
        }),
        signal: AbortSignal.timeout(15_000),
      });
      tokens = (await res.json()) as Record<string, unknown>;
      if (!res.ok || typeof tokens.access_token !== 'string') {
        throw new Error(String(tokens.error_description ?? tokens.error ?? `HTTP ${res.status}`));
      }
    } catch (err) {
      this.logger.warn(`oauth token exchange for ${providerName} failed: ${(err as Error).message}`);
      await this.audit.record({
        orgId: st.orgId,
        category: 'connectors',
        action: 'sources.oauth.connect',
        result: 'failure',
        actor: { userId: st.userId, email: '' },
        target: { type: 'source', id: st.sourceId, provider: providerName },
        details: { error: (err as Error).message },
      });
      return this.front({ error: 'token_exchange_failed', provider: providerName });
    }
    try {
      const saved = await this.storeTokens(st.orgId, st.userId, providerName, spec, source, st.name, st.realm, tokens);
      return this.front({ connected: providerName, source_id: saved.id });
    } catch (err) {
      const code = err instanceof AppException ? err.code : 'connect_failed';
      return this.front({ error: code, provider: providerName });
    }
  }

  /**
   * Only the browser that started the flow completes it, and only while its starter may still
   * connect sources (active admin of an active org): a flow cannot be finished by someone else,
   * nor outlive the starter's access.
   */
  /** The user who started the flow is still an enabled admin/owner of that org, and the org is active. */
  private async starterMayConnect(orgId: string, userId: string): Promise<boolean> {
    return (await this.orgs.isActive(orgId)) && (await this.users.isEnabledAdminOf(orgId, userId));
  }

  private async refuseCallback(st: OAuthStateEntity, cookieHeader?: string): Promise<string | null> {
    const reason = !isBrowserBound(st.state, cookieHeader)
      ? 'state_not_bound'
      : !(await this.starterMayConnect(st.orgId, st.userId))
        ? 'not_allowed'
        : null;
    if (reason) {
      await this.audit.record({
        orgId: st.orgId,
        category: 'connectors',
        action: 'sources.oauth.connect',
        result: 'denied',
        actor: { userId: st.userId, email: '' },
        target: { type: 'source', id: st.sourceId, provider: st.provider },
        details: { reason },
      });
    }
    return reason;
  }

  private async storeTokens(
    orgId: string,
    userId: string,
    provider: string,
    spec: ProviderSpec,
    source: SourceEntity | null,
    name: string | null,
    realm: string | null,
    tokens: Record<string, unknown>,
  ): Promise<SourceEntity> {
    const tokenFields: Record<string, unknown> = { token: tokens.access_token };
    if (typeof tokens.refresh_token === 'string') {
      tokenFields.refresh_token = tokens.refresh_token;
    }
    if (typeof tokens.expires_in === 'number') {
      tokenFields.token_expires_at = new Date(Date.now() + tokens.expires_in * 1000).toISOString();
    }
    if (source) {
      this.assertTokenDestination(provider, spec, source);
      const def = this.runtime.requireDefinition(source);
      const full = { ...this.runtime.fullConfig(source), ...this.onlyKnown(def.configSchema.properties, tokenFields) };
      this.runtime.applyConfig(source, def, full);
      source.status = 'ready';
      const saved = await this.repo.saveSource(source);
      await this.audit.record({
        orgId,
        category: 'connectors',
        action: 'sources.oauth.token_rotated',
        result: 'success',
        actor: { userId, email: '' },
        target: { type: 'source', id: source.id, name: source.name, provider },
      });
      return saved;
    }
    const def = this.registry.get(provider) ?? this.registry.get(`${provider}_oauth`);
    if (!def) {
      throw new UnprocessableException('connector_disabled', `No connector for ${provider}`);
    }
    const config = this.onlyKnown(
      def.configSchema.properties,
      spec.apiBaseUrl ? { ...tokenFields, base_url: spec.apiBaseUrl } : tokenFields,
    );
    const entity: Partial<SourceEntity> = {
      orgId,
      name: name ?? `${provider} (OAuth ${new Date().toISOString().slice(0, 10)})`,
      sourceType: def.type,
      realm: realm ?? def.defaultRealm,
      enabled: true,
      syncMode: 'full',
      createdBy: userId,
      status: 'ready',
    };
    this.runtime.applyConfig(entity as SourceEntity, def, config);
    try {
      await runValidation(def, (signal) =>
        this.runtime.context({ orgId, sourceId: '', sourceName: entity.name!, realm: entity.realm! }, config, signal),
      );
    } catch (err) {
      entity.status = 'invalid';
      entity.statusDetail = {
        error:
          err instanceof AppException
            ? { code: err.code, message: err.message, details: err.details ?? {} }
            : { message: String(err) },
      };
    }
    const saved = await this.repo.insertSource(entity);
    await this.audit.record({
      orgId,
      category: 'connectors',
      action: 'sources.oauth.connect',
      result: 'success',
      actor: { userId, email: '' },
      target: { type: 'source', id: saved.id, name: saved.name, provider },
    });
    return saved;
  }

  private onlyKnown(
    props: Record<string, unknown> | undefined,
    fields: Record<string, unknown>,
  ): Record<string, unknown> {
    if (!props) {
      return fields;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (k in props) {
        out[k] = v;
      } else if (k === 'token' && 'access_token' in props) {
        out.access_token = v;
      }
    }
    if (!Object.keys(out).length) {
      out.token = fields.token;
    }
    return out;
  }
}
