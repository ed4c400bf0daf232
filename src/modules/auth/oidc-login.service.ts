import { AuditService } from '@libs/audit/audit.service';
import type { RequestMeta } from '@libs/audit/request-meta';
import { AppConfig } from '@libs/config';
import { FeatureDisabledException, UnauthorizedException } from '@libs/errors';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuthService } from './auth.service';
import { LoginResponseDto } from './dto/auth-response.dto';
import { OidcUsersService } from './oidc-users.service';
import { OidcVerifier } from './oidc-verifier.service';

export const OIDC_STATE_TTL_SECS = 600;
export const OIDC_CALLBACK_PATH = '/api/v1/auth/oidc/callback';

interface StoredState {
  verifier: string;
  created_at: string;
}

/**
 * Authorization-code flow with PKCE (S256) for frontends that do not run their own OIDC client.
 * The state and the code verifier live in Redis (10 min, single use: read and deleted
 * atomically), so any replica can finish a login another replica started. The callback
 * answers with the same JSON as `POST /auth/login` (a local session token).
 */
@Injectable()
export class OidcLoginService {
  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly verifier: OidcVerifier,
    private readonly oidcUsers: OidcUsersService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  private get redirectUri(): string {
    return `${this.config.publicBaseUrl}${OIDC_CALLBACK_PATH}`;
  }

  private ensureConfigured(): void {
    const a = this.config.auth;
    if (!a.authorizeUrl || !a.tokenUrl || !a.clientId || !this.verifier.enabled) {
      throw new FeatureDisabledException('oidc_login');
    }
  }

  /** The IdP URL to redirect the browser to. */
  async start(): Promise<string> {
    this.ensureConfigured();
    const state = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    await this.redis.client.set(
      this.redis.key('oidc', 'state', state),
      JSON.stringify({ verifier, created_at: new Date().toISOString() } satisfies StoredState),
      'EX',
      OIDC_STATE_TTL_SECS,
    );
    const url = new URL(this.config.auth.authorizeUrl!);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.config.auth.clientId!);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('scope', 'openid email profile');
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', challenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  async callback(code: string, state: string, meta: RequestMeta): Promise<LoginResponseDto> {
    this.ensureConfigured();
    try {
      const stored = await this.takeState(state);
      if (!stored) {
        throw new UnauthorizedException('Unknown or already used login state', { reason: 'invalid_state' });
      }
      const idToken = await this.exchange(code, stored.verifier);
      const claims = await this.verifier.verify(idToken);
      const user = await this.oidcUsers.upsert(claims);
      if (user.disabledAt) {
        throw new UnauthorizedException('User is disabled', { reason: 'user_disabled' });
      }
      await this.auth.auditUser(user, 'auth.oidc_login', meta);
      return this.auth.session(user);
    } catch (err) {
      if (err instanceof UnauthorizedException) {
        await this.audit.record({
          orgId: null,
          category: 'auth',
          action: 'auth.oidc_login',
          result: 'failure',
          ip: meta.ip,
          requestId: meta.requestId,
          details: { ...(err.details ?? {}) },
        });
      }
      throw err;
    }
  }

  private async takeState(state: string): Promise<StoredState | null> {
    const key = this.redis.key('oidc', 'state', state);
    const res = await this.redis.client.multi().get(key).del(key).exec();
    const raw = res?.[0]?.[1] as string | null | undefined;
    return raw ? (JSON.parse(raw) as StoredState) : null;
  }

  private async exchange(code: string, verifier: string): Promise<string> {
    const a = this.config.auth;
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.redirectUri,
      client_id: a.clientId!,
      code_verifier: verifier,
    });
    if (a.clientSecret) {
      form.set('client_secret', a.clientSecret);
    }
    let res: Response;
    try {
      res = await fetch(a.tokenUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new UnauthorizedException('The identity provider could not be reached', { reason: 'code_exchange_failed' });
    }
    const body = (await res.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown };
    if (!res.ok || typeof body.id_token !== 'string') {
      throw new UnauthorizedException('The identity provider refused the authorization code', {
        reason: 'code_exchange_failed',
        ...(typeof body.error === 'string' ? { idp_error: body.error } : {}),
      });
    }
    return body.id_token;
  }
}
