import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '@libs/config';
import { ConflictException, NotFoundException, UnauthorizedException, ValidationException } from '@libs/errors';
import { dummyHash, hashPassword, verifyPassword } from '@libs/auth/passwords';
import type { Principal } from '@libs/auth/principal';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { LoginResponseDto, MeResponseDto } from './dto/auth-response.dto';
import { LoginDto, RegisterDto } from './dto/login.dto';
import { TokenService } from './token.service';

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';
export const DEFAULT_ADMIN_PASSWORD = 'admin';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    private readonly ds: DataSource,
  ) {}

  /** Seeds admin@localhost / admin as owner of org `default` when the install has no user. */
  async onApplicationBootstrap() {
    if (!this.config.seedAdmin) return;
    await this.ds.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(7203114002)');
      if ((await m.getRepository(UserEntity).count()) > 0) return;
      const org = (await this.orgs.findByName('default')) ?? (await this.orgs.create({ name: 'default', displayName: 'Default', settings: {} }, m));
      await this.users.create(
        { orgId: org.id, email: DEFAULT_ADMIN_EMAIL, name: 'Admin', role: 'owner', roles: ['owner', 'admin'], passwordHash: await hashPassword(DEFAULT_ADMIN_PASSWORD), authProvider: 'local', emailVerified: true },
        m,
      );
      this.logger.warn(`seeded ${DEFAULT_ADMIN_EMAIL} with the default password: change it now`);
    });
  }

  async login(dto: LoginDto): Promise<LoginResponseDto> {
    const user = await this.users.findByEmail(dto.email.trim());
    const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, dto.password) : (await verifyPassword(await dummyHash(), dto.password), false);
    if (!user || !ok || user.disabledAt) throw new UnauthorizedException('Invalid email or password', { reason: 'invalid_credentials' });
    await this.users.update(user.id, { lastLoginAt: new Date() });
    return this.session(user);
  }

  async register(dto: RegisterDto): Promise<LoginResponseDto> {
    if (this.config.auth.provider !== 'local') {
      throw new ValidationException('Local registration is disabled', { reason: 'local_registration_disabled' });
    }
    if (!dto.org_name) throw new ValidationException('org_name or invite_token is required', { fields: [{ field: 'org_name', errors: ['org_name or invite_token is required'] }] });
    if (await this.users.findByEmail(dto.email)) throw new ConflictException('A user with this email already exists', undefined, 'already_exists');
    if (await this.orgs.findByName(dto.org_name)) throw new ConflictException('An org with this name already exists', undefined, 'already_exists');
    const passwordHash = await hashPassword(dto.password);
    const user = await this.ds.transaction(async (m) => {
      const org = await this.orgs.create({ name: dto.org_name!, displayName: dto.org_name!, settings: {} }, m);
      return this.users.create({ orgId: org.id, email: dto.email.trim(), name: dto.name ?? null, role: 'owner', roles: ['owner'], passwordHash, authProvider: 'local' }, m);
    });
    return this.session(user);
  }

  async me(principal: Principal): Promise<MeResponseDto> {
    const user = await this.users.findInOrg(principal.orgId, principal.userId);
    const org = await this.orgs.findById(principal.orgId);
    if (!user || !org) throw new NotFoundException('User');
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

  async session(user: UserEntity): Promise<LoginResponseDto> {
    const { token, expiresAt } = await this.tokens.issue({ sub: user.id, org_id: user.orgId, role: user.role, email: user.email });
    return { token, expires_at: expiresAt.toISOString(), user: { id: user.id, email: user.email, role: user.role } };
  }
}
