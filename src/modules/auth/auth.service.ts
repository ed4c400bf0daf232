import { AuditService } from '@libs/audit/audit.service';
import type { RequestMeta } from '@libs/audit/request-meta';
import { PasswordHasher } from '@libs/auth/password-hasher';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { sha256Hex } from '@libs/crypto';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import {
  ConflictException,
  ForbiddenException,
  NotFoundException,
  UnauthorizedException,
  ValidationException,
} from '@libs/errors';
import { IdempotencyKeyReusedException } from '@libs/idempotency/idempotency.errors';
import { RateLimitService } from '@libs/rate-limit/rate-limit.service';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AcceptInviteDto } from 'src/modules/orgs/dto/invite.dto';
import { InvitesService } from 'src/modules/orgs/invites.service';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { PasswordResetsRepository } from 'src/modules/orgs/password-resets.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { LoginResponseDto, MeResponseDto } from './dto/auth-response.dto';
import { LoginDto, RegisterDto, ResetPasswordDto } from './dto/login.dto';
import { isPlatformAdmin, PLATFORM_ADMIN_PERMISSION } from './platform-admin';
import { ensureRegistrationAllowed } from './registration-policy';
import { SessionRevocations } from './session-revocations.service';
import { TokenService } from './token.service';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly invites: InvitesService,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    private readonly txHost: TransactionHost,
    private readonly audit: AuditService,
    private readonly limits: RateLimitService,
    private readonly redis: RedisService,
    private readonly resets: PasswordResetsRepository,
    private readonly hasher: PasswordHasher,
    private readonly revocations: SessionRevocations,
  ) {}

  /**
   * LOGIN_RATE_LIMIT_PER_MIN attempts per minute per client IP and per account (email),
   * counted before the password is checked. Unknown email and wrong password are the same 401.
   */
  async login(dto: LoginDto, meta: RequestMeta): Promise<LoginResponseDto> {
    const email = dto.email.trim().toLowerCase();
    await this.limits.enforce(
      [`login:ip:${meta.ip ?? 'unknown'}`, `login:acct:${email}`],
      this.config.loginRateLimitPerMin,
    );
    const user = await this.users.findByEmail(email);
    const ok = user?.passwordHash
      ? await this.hasher.verify(user.passwordHash, dto.password)
      : await this.hasher.verifyNobody(dto.password);
    if (!user || !ok || user.disabledAt) {
      await this.audit.record({
        orgId: user?.orgId ?? null,
        category: 'auth',
        action: 'auth.login',
        result: 'failure',
        actor: user ? { userId: user.id, email: user.email } : { email },
        target: { type: 'user', ...(user ? { id: user.id } : {}) },
        ip: meta.ip,
        requestId: meta.requestId,
        details: { reason: !user ? 'unknown_email' : user.disabledAt && ok ? 'user_disabled' : 'wrong_password' },
      });
      throw new UnauthorizedException('Invalid email or password', { reason: 'invalid_credentials' });
    }
    const org = await this.orgs.findById(user.orgId);
    if (org?.disabledAt && !isPlatformAdmin(user)) {
      await this.auditUser(user, 'auth.login', meta, { result: 'denied', details: { reason: 'org_disabled' } });
      throw new ForbiddenException('This organization is disabled', { reason: 'org_disabled' }, 'org_disabled');
    }
    await this.users.update(user.id, { lastLoginAt: new Date() });
    await this.auditUser(user, 'auth.login', meta);
    return this.session(user);
  }

  /**
   * Idempotency-Key is honoured here rather than by the generic interceptor (which would store
   * the session token): Redis keeps only `{ user id, hash of the body without the password }`
   * for 24 h; a replay re-checks the password against the new user and issues a fresh session
   * for the same user (201). Another body → 409 `idempotency_key_reused`; a replay while the
   * first request is still running → 409 `idempotency_in_progress`.
   */
  async register(dto: RegisterDto, meta: RequestMeta, idempotencyKey?: string): Promise<LoginResponseDto> {
    if (!idempotencyKey) {
      return this.doRegister(dto, meta);
    }
    if (idempotencyKey.length > 255) {
      throw new ValidationException('Idempotency-Key is too long (max 255)');
    }
    const key = this.redis.key('idem', 'register', createHash('sha256').update(idempotencyKey).digest('hex'));
    const bodyHash = createHash('sha256')
      .update(
        JSON.stringify([
          dto.email.trim().toLowerCase(),
          dto.org_name ?? null,
          dto.invite_token ?? null,
          dto.name ?? null,
        ]),
      )
      .digest('hex');
    const claimed = await this.redis.client.set(key, JSON.stringify({ state: 'pending', bodyHash }), 'EX', 60, 'NX');
    if (!claimed) {
      const prev = JSON.parse((await this.redis.client.get(key)) ?? '{}') as {
        state?: string;
        bodyHash?: string;
        userId?: string;
      };
      if (prev.bodyHash && prev.bodyHash !== bodyHash) {
        throw new IdempotencyKeyReusedException();
      }
      if (prev.state !== 'done' || !prev.userId) {
        throw new ConflictException(
          'A request with this Idempotency-Key is still in progress',
          undefined,
          'idempotency_in_progress',
        );
      }
      const user = await this.users.findById(prev.userId);
      if (!user?.passwordHash || user.disabledAt || !(await this.hasher.verify(user.passwordHash, dto.password))) {
        throw new IdempotencyKeyReusedException();
      }
      return this.session(user);
    }
    try {
      const res = await this.doRegister(dto, meta);
      await this.redis.client.set(
        key,
        JSON.stringify({ state: 'done', bodyHash, userId: res.user.id }),
        'EX',
        24 * 3600,
      );
      return res;
    } catch (err) {
      await this.redis.client.del(key);
      throw err;
    }
  }

  /**
   * REGISTRATION decides who may register (see registration-policy.ts). Every cheap refusal
   * (mode, duplicates, unusable invite) comes before the password is hashed.
   */
  private async doRegister(dto: RegisterDto, meta: RequestMeta): Promise<LoginResponseDto> {
    if (this.config.auth.provider !== 'local') {
      throw new ValidationException('Local registration is disabled', { reason: 'local_registration_disabled' });
    }
    const email = dto.email.trim();
    if (dto.invite_token && dto.org_name) {
      throw new ValidationException('Give either org_name or invite_token, not both', {
        fields: [{ field: 'org_name', errors: ['org_name and invite_token are mutually exclusive'] }],
      });
    }
    const withInvite = !!dto.invite_token;
    ensureRegistrationAllowed(this.config.registration, {
      withInvite,
      installEmpty: !withInvite && !(await this.users.hasAny()),
    });
    let user: UserEntity;
    if (dto.invite_token) {
      await this.invites.check(dto.invite_token, email);
      await this.ensureEmailFree(email);
      const passwordHash = await this.hasher.hash(dto.password);
      user = await this.joinWithInvite(dto.invite_token, email, passwordHash, dto.name ?? null);
    } else {
      await this.ensureEmailFree(email);
      if (dto.org_name && (await this.orgs.findByName(dto.org_name))) {
        throw new ConflictException('An org with this name already exists', { field: 'org_name' }, 'already_exists');
      }
      const passwordHash = await this.hasher.hash(dto.password);
      user = await this.createOrgOwner(dto, email, passwordHash);
    }
    await this.auditUser(user, 'auth.register', meta, {
      details: {
        via: dto.invite_token ? 'invite' : 'org_name',
        role: user.role,
        ...(isPlatformAdmin(user) ? { bootstrap: true } : {}),
      },
    });
    return this.session(user);
  }

  /**
   * A new org with the user as owner. The first account of an empty install (decided again
   * under the bootstrap lock, so two racing first registrations cannot both get it) is the
   * bootstrap account: org `default` unless named, and platform admin.
   */
  @Transactional()
  private async createOrgOwner(dto: RegisterDto, email: string, passwordHash: string): Promise<UserEntity> {
    await this.users.lockBootstrap();
    const bootstrap = ensureRegistrationAllowed(this.config.registration, {
      withInvite: false,
      installEmpty: !(await this.users.hasAny()),
    });
    const orgName = dto.org_name ?? (bootstrap ? 'default' : undefined);
    if (!orgName) {
      throw new ValidationException('org_name or invite_token is required', {
        fields: [{ field: 'org_name', errors: ['org_name or invite_token is required'] }],
      });
    }
    if (await this.orgs.findByName(orgName)) {
      throw new ConflictException('An org with this name already exists', { field: 'org_name' }, 'already_exists');
    }
    const org = await this.orgs.create({ name: orgName, displayName: orgName, settings: {} });
    return this.users.create({
      orgId: org.id,
      email,
      name: dto.name ?? null,
      role: 'owner',
      roles: ['owner'],
      permissions: bootstrap ? [PLATFORM_ADMIN_PERMISSION] : [],
      passwordHash,
      authProvider: 'local',
    });
  }

  private async ensureEmailFree(email: string): Promise<void> {
    if (await this.users.findByEmail(email)) {
      throw new ConflictException('A user with this email already exists', undefined, 'already_exists');
    }
  }

  /**
   * Sets a new password with a one-time reset token and logs the user in; every session issued
   * before ends. Every way a token can be unusable (unknown, used, expired, disabled user)
   * answers the same 400, before the new password is hashed, and attempts count against the
   * login rate limit of the caller's IP.
   */
  async resetPassword(dto: ResetPasswordDto, meta: RequestMeta): Promise<LoginResponseDto> {
    await this.limits.enforce([`login:ip:${meta.ip ?? 'unknown'}`], this.config.loginRateLimitPerMin);
    const tokenHash = sha256Hex(dto.token);
    if (!(await this.resets.isUsable(tokenHash))) {
      throw invalidResetToken();
    }
    const passwordHash = await this.hasher.hash(dto.password);
    const user = await this.consumeResetToken(tokenHash, passwordHash);
    await this.auditUser(user, 'auth.password_reset', meta);
    return this.session(user);
  }

  /** Uses the token once and sets the password, ending the sessions issued before. */
  @Transactional()
  private async consumeResetToken(tokenHash: string, passwordHash: string): Promise<UserEntity> {
    const userId = await this.resets.consume(tokenHash);
    const found = userId ? await this.users.findById(userId) : null;
    if (!found || found.disabledAt || found.authProvider !== 'local') {
      throw invalidResetToken();
    }
    const tokenVersion = await this.users.updateAndEndSessions(found.orgId, found.id, { passwordHash });
    return { ...found, tokenVersion: tokenVersion ?? found.tokenVersion } as UserEntity;
  }

  /** An auth event of a known user (category `auth`, the user as actor and target). */
  auditUser(
    user: Pick<UserEntity, 'id' | 'orgId' | 'email'>,
    action: string,
    meta: RequestMeta,
    extra: { result?: 'success' | 'denied'; details?: Record<string, unknown> } = {},
  ): Promise<string> {
    return this.audit.record({
      orgId: user.orgId,
      category: 'auth',
      action,
      result: extra.result ?? 'success',
      actor: { userId: user.id, email: user.email },
      target: { type: 'user', id: user.id },
      ip: meta.ip,
      requestId: meta.requestId,
      details: extra.details,
    });
  }

  /** `POST /platform/invites/accept` and `/auth/invites/accept`: creates the invited user. */
  async acceptInvite(dto: AcceptInviteDto, meta: RequestMeta): Promise<LoginResponseDto> {
    ensureRegistrationAllowed(this.config.registration, { withInvite: true, installEmpty: false });
    await this.invites.check(dto.token);
    const passwordHash = await this.hasher.hash(dto.password);
    const user = await this.joinWithInvite(dto.token, undefined, passwordHash, dto.name ?? null);
    await this.auditUser(user, 'invites.accept', meta, { details: { role: user.role } });
    return this.session(user);
  }

  @Transactional()
  private async joinWithInvite(
    token: string,
    email: string | undefined,
    passwordHash: string,
    name: string | null,
  ): Promise<UserEntity> {
    const invite = await this.invites.claim(token, email);
    const address = email ?? invite.email;
    if (await this.users.findByEmail(address)) {
      throw new ConflictException('A user with this email already exists', undefined, 'already_exists');
    }
    const user = await this.users.create({
      orgId: invite.orgId,
      email: address,
      name,
      role: invite.role,
      roles: [invite.role],
      passwordHash,
      authProvider: 'local',
    });
    await this.invites.markAccepted(invite, user.id);
    return user;
  }

  async me(principal: Principal): Promise<MeResponseDto> {
    const user = await this.users.findInOrg(principal.orgId, principal.userId);
    const org = await this.orgs.findById(principal.orgId);
    if (!user || !org) {
      throw new NotFoundException('User');
    }
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      role: principal.role,
      roles: user.roles,
      permissions: user.permissions,
      org: { id: org.id, name: org.name, display_name: org.displayName },
      auth_provider: user.authProvider,
      platform_admin: principal.platformAdmin,
      ...(principal.apiKeyId ? { api_key_id: principal.apiKeyId } : {}),
    };
  }

  /**
   * Ends the session of the calling token (a per-session deny-list until the token expires); the
   * user's other sessions go on. API keys are not sessions (revoke them with DELETE /api-keys/:id).
   */
  async logout(principal: Principal): Promise<void> {
    if (!principal.session) {
      throw new ValidationException(
        'Only a session token can be logged out; revoke an API key with DELETE /api-keys/:id',
        { reason: 'not_a_session' },
      );
    }
    await this.revocations.revoke(principal.session);
  }

  async session(user: UserEntity): Promise<LoginResponseDto> {
    const { token, expiresAt } = await this.tokens.issue({
      sub: user.id,
      org_id: user.orgId,
      role: user.role,
      email: user.email,
      tv: user.tokenVersion,
    });
    return { token, expires_at: expiresAt.toISOString(), user: { id: user.id, email: user.email, role: user.role } };
  }
}

function invalidResetToken(): ValidationException {
  return new ValidationException(
    'The reset token is invalid, used or expired',
    { reason: 'invalid_reset_token' },
    'invalid_reset_token',
  );
}
