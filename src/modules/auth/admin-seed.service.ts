import { PasswordHasher } from '@libs/auth/password-hasher';
import { AppConfig } from '@libs/config';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { PLATFORM_ADMIN_PERMISSION } from './platform-admin';

export const DEFAULT_ADMIN_EMAIL = 'admin@localhost';
export const DEFAULT_ADMIN_PASSWORD = 'admin';

/**
 * SEED_ADMIN: when the install has no user, seeds admin@localhost as owner of org `default` and
 * platform admin (the bootstrap of platform power), with ADMIN_PASSWORD — or `admin` outside
 * production (AppConfig refuses production without ADMIN_PASSWORD). Runs before the server listens.
 */
@Injectable()
export class AdminSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminSeedService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly txHost: TransactionHost,
  ) {}

  async onApplicationBootstrap() {
    if (!this.config.seedAdmin) {
      return;
    }
    const password = this.config.adminPassword ?? DEFAULT_ADMIN_PASSWORD;
    const seeded = await this.seed(password);
    if (seeded) {
      this.logger.warn(
        this.config.adminPassword
          ? `seeded ${DEFAULT_ADMIN_EMAIL} with ADMIN_PASSWORD`
          : `seeded ${DEFAULT_ADMIN_EMAIL} with the default password: change it now`,
      );
    }
    const admin = await this.users.findByEmail(DEFAULT_ADMIN_EMAIL);
    if (admin?.passwordHash && (await this.hasher.verify(admin.passwordHash, DEFAULT_ADMIN_PASSWORD))) {
      this.logger.warn(`${DEFAULT_ADMIN_EMAIL} still has the default password: change it now`);
    }
  }

  /** Creates the admin and its org when no user exists (under the bootstrap lock); true if it did. */
  @Transactional()
  private async seed(password: string): Promise<boolean> {
    await this.users.lockBootstrap();
    if (await this.users.hasAny()) {
      return false;
    }
    const org =
      (await this.orgs.findByName('default')) ??
      (await this.orgs.create({ name: 'default', displayName: 'Default', settings: {} }));
    await this.users.create({
      orgId: org.id,
      email: DEFAULT_ADMIN_EMAIL,
      name: 'Admin',
      role: 'owner',
      roles: ['owner', 'admin'],
      permissions: [PLATFORM_ADMIN_PERMISSION],
      passwordHash: await this.hasher.hash(password),
      authProvider: 'local',
      emailVerified: true,
    });
    return true;
  }
}
