import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { sha256Hex } from '@libs/crypto';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import { ConflictException, NotFoundException, ValidationException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ApiKeysRepository } from 'src/modules/api-keys/api-keys.repository';
import { PLATFORM_ADMIN_PERMISSION } from 'src/modules/auth/platform-admin';
import {
  permissionsChangeEndsSessions,
  revokesPlatformAdmin,
  roleChangeEndsSessions,
} from 'src/modules/auth/session-policy';
import {
  CreateInviteDto,
  InviteCreatedDto,
  InviteDto,
  PlatformListInvitesQuery,
} from 'src/modules/orgs/dto/invite.dto';
import { InvitesService } from 'src/modules/orgs/invites.service';
import { OrganizationEntity } from 'src/modules/orgs/organization.entity';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { PasswordResetsRepository } from 'src/modules/orgs/password-resets.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import { listedUserDto, toUserDto, UserDto } from 'src/modules/users/dto/user.dto';
import {
  CreateOrgDto,
  ListOrgsQuery,
  OrgCreatedDto,
  OrgDetailDto,
  OrgDto,
  PasswordResetIssuedDto,
  PlatformAdminStatusDto,
  PlatformListUsersQuery,
  PlatformUpdateUserDto,
  toOrgDto,
  UpdateOrgDto,
} from './dto/platform.dto';

const PASSWORD_RESET_TTL_MS = 24 * 3600_000;

/** Install-wide administration; callers are platform admins (checked by the guard). */
@Injectable()
export class PlatformService {
  constructor(
    private readonly orgs: OrgsRepository,
    private readonly users: UsersRepository,
    private readonly invites: InvitesService,
    private readonly resets: PasswordResetsRepository,
    private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly txHost: TransactionHost,
  ) {}

  private dto(o: OrganizationEntity, users: number): OrgDto {
    return toOrgDto(o, users, this.config.orgPurgeAfterDays);
  }

  async listOrgs(q: ListOrgsQuery): Promise<Page<OrgDto>> {
    const page = await this.orgs.list(q, (o) => o);
    const counts = await this.orgs.userCounts(page.items.map((o) => o.id));
    return { ...page, items: page.items.map((o) => this.dto(o, counts.get(o.id) ?? 0)) };
  }

  async createOrg(p: Principal, dto: CreateOrgDto): Promise<OrgCreatedDto> {
    if (await this.orgs.findByName(dto.name)) {
      throw new ConflictException(`An org named "${dto.name}" already exists`, { field: 'name' }, 'already_exists');
    }
    const org = await this.orgs.create({
      name: dto.name,
      displayName: dto.display_name ?? dto.name,
      plan: dto.plan ?? 'free',
      settings: {},
    });
    const out: OrgCreatedDto = this.dto(org, 0);
    if (dto.owner_email) {
      out.owner_invite = await this.invites.create(org.id, p, { email: dto.owner_email, role: 'owner' });
    }
    return out;
  }

  async getOrg(id: string): Promise<OrgDetailDto> {
    const org = await this.findOrg(id);
    const users = (await this.orgs.userCounts([id])).get(id) ?? 0;
    return {
      ...this.dto(org, users),
      usage: { users, api_keys: await this.apiKeys.liveCount(id) },
      settings_keys: Object.keys(org.settings ?? {}),
    };
  }

  async updateOrg(id: string, dto: UpdateOrgDto): Promise<OrgDetailDto> {
    const org = await this.findOrg(id);
    const patch: Partial<OrganizationEntity> = {};
    if (dto.display_name !== undefined) {
      patch.displayName = dto.display_name;
    }
    if (dto.plan !== undefined) {
      patch.plan = dto.plan;
    }
    const disabled = dto.disabled ?? dto.suspended;
    if (disabled === false && org.deletedAt) {
      throw new ConflictException(
        'The org is deleted; restore it instead',
        { deleted_at: org.deletedAt },
        'org_deleted',
      );
    }
    if (disabled !== undefined) {
      patch.disabledAt = disabled ? (org.disabledAt ?? new Date()) : null;
    }
    if (Object.keys(patch).length) {
      await this.orgs.update(id, patch);
    }
    return this.getOrg(id);
  }

  /**
   * Soft delete: the org is disabled at once (members get 403 `org_disabled`), hidden from the org
   * list, restorable until ORG_PURGE_AFTER_DAYS have passed; then OrgPurgeService removes its data.
   */
  async deleteOrg(p: Principal, id: string): Promise<void> {
    const org = await this.findOrg(id);
    if (org.id === p.orgId) {
      throw new ConflictException('You cannot delete your own org', undefined, 'own_org');
    }
    if (!org.deletedAt) {
      const now = new Date();
      await this.orgs.update(id, { deletedAt: now, disabledAt: org.disabledAt ?? now });
    }
  }

  async restoreOrg(id: string): Promise<OrgDetailDto> {
    const org = await this.findOrg(id);
    if (!org.deletedAt) {
      throw new ConflictException('The org is not deleted', undefined, 'org_not_deleted');
    }
    await this.orgs.update(id, { deletedAt: null, disabledAt: null });
    return this.getOrg(id);
  }

  /**
   * A one-time token (24 h) with which a local user sets a new password at POST /auth/reset-password.
   * The user's current sessions end now: a reset is issued because the account may be in other hands.
   */
  async issuePasswordReset(p: Principal, userId: string): Promise<PasswordResetIssuedDto> {
    const user = await this.users.findById(userId);
    if (!user) {
      throw new NotFoundException('User');
    }
    if (user.authProvider !== 'local') {
      throw new ConflictException(
        'Only local users have a password',
        { auth_provider: user.authProvider },
        'not_a_local_user',
      );
    }
    const token = `pwr_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + PASSWORD_RESET_TTL_MS);
    await this.resets.issue({ userId, tokenHash: sha256Hex(token), createdBy: p.userId, expiresAt });
    await this.users.updateAndEndSessions(user.orgId, user.id, {});
    return { user_id: userId, reset_token: token, expires_at: expiresAt.toISOString() };
  }

  createInvite(p: Principal, orgId: string, dto: CreateInviteDto): Promise<InviteCreatedDto> {
    return this.invites.create(orgId, p, dto);
  }

  listInvites(q: PlatformListInvitesQuery): Promise<Page<InviteDto>> {
    return this.invites.list(q.org_id, q);
  }

  revokeInvite(id: string): Promise<void> {
    return this.invites.revoke(undefined, id);
  }

  listUsers(q: PlatformListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(q.org_id, q, listedUserDto, 'platform-users');
  }

  /**
   * Disabling, demoting or taking a permission away ends the user's sessions issued before
   * (token_version); the last enabled platform admin keeps platform:admin (409).
   */
  @Transactional()
  async updateUser(p: Principal, id: string, dto: PlatformUpdateUserDto): Promise<UserDto> {
    const found = await this.users.findById(id);
    if (!found) {
      throw new NotFoundException('User');
    }
    const owners = await this.users.lockOwners(found.orgId);
    const patch: Partial<UserEntity> = {};
    let endSessions = false;
    if (dto.disabled !== undefined) {
      if (dto.disabled && id === p.userId) {
        throw new ValidationException('You cannot disable yourself', { reason: 'self_disable' });
      }
      patch.disabledAt = dto.disabled ? (found.disabledAt ?? new Date()) : null;
      endSessions ||= dto.disabled && !found.disabledAt;
    }
    if (dto.role !== undefined) {
      if (found.role === 'owner' && dto.role !== 'owner' && owners.length <= 1 && owners.includes(id)) {
        throw new ConflictException(
          'The last owner of the org cannot be demoted',
          { reason: 'last_owner' },
          'last_owner',
        );
      }
      patch.role = dto.role;
      patch.roles = [dto.role];
      endSessions ||= roleChangeEndsSessions(found.role, dto.role);
    }
    if (dto.permissions !== undefined) {
      const next = [...new Set(dto.permissions)];
      if (revokesPlatformAdmin(found.permissions, next)) {
        await this.ensureNotLastPlatformAdmin(id);
      }
      patch.permissions = next;
      endSessions ||= permissionsChangeEndsSessions(found.permissions, next);
    }
    if (endSessions) {
      await this.users.updateAndEndSessions(found.orgId, id, patch);
    } else if (Object.keys(patch).length) {
      await this.users.updateInOrg(found.orgId, id, patch);
    }
    return toUserDto({ ...found, ...patch } as UserEntity);
  }

  /** Grants or revokes platform:admin (audited by the routes); revoking ends the user's sessions. */
  async setPlatformAdmin(p: Principal, id: string, granted: boolean): Promise<PlatformAdminStatusDto> {
    const found = await this.users.findById(id);
    if (!found) {
      throw new NotFoundException('User');
    }
    const others = found.permissions.filter((x) => x !== PLATFORM_ADMIN_PERMISSION);
    await this.updateUser(p, id, { permissions: granted ? [...others, PLATFORM_ADMIN_PERMISSION] : others });
    return { user_id: id, platform_admin: granted };
  }

  private async ensureNotLastPlatformAdmin(id: string): Promise<void> {
    const admins = await this.users.lockPlatformAdmins(PLATFORM_ADMIN_PERMISSION);
    if (admins.length <= 1 && admins.includes(id)) {
      throw new ConflictException(
        'The last platform admin cannot lose platform:admin',
        { reason: 'last_platform_admin' },
        'last_platform_admin',
      );
    }
  }

  private async findOrg(id: string): Promise<OrganizationEntity> {
    const org = await this.orgs.findById(id);
    if (!org) {
      throw new NotFoundException('Organization');
    }
    return org;
  }
}
