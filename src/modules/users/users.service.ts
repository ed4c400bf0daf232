import { PasswordHasher } from '@libs/auth/password-hasher';
import { roleRank, type Principal, type Role } from '@libs/auth/principal';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import {
  ConflictException,
  ForbiddenException,
  NotFoundException,
  UnauthorizedException,
  ValidationException,
} from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { AuthService } from 'src/modules/auth/auth.service';
import { roleChangeEndsSessions } from 'src/modules/auth/session-policy';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { UsersRepository } from 'src/modules/orgs/users.repository';
import {
  listedUserDto,
  ListUsersQuery,
  toUserDto,
  UpdateMeDto,
  UpdateUserRoleDto,
  UserDto,
  UserProfileDto,
} from './dto/user.dto';

/**
 * Org members: profile, roles, removal. Every lookup is scoped to the caller's org. A password
 * change or a demotion ends the sessions issued before it (users.token_version).
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly orgs: OrgsRepository,
    private readonly auth: AuthService,
    private readonly hasher: PasswordHasher,
    private readonly txHost: TransactionHost,
  ) {}

  async me(p: Principal): Promise<UserProfileDto> {
    const me = await this.auth.me(p);
    const user = await this.find(p.orgId, p.userId);
    return { ...me, memberships: [{ org: me.org, role: user.role }] };
  }

  async updateMe(p: Principal, dto: UpdateMeDto): Promise<UserProfileDto> {
    const user = await this.find(p.orgId, p.userId);
    const patch: Partial<UserEntity> = {};
    if (dto.name !== undefined) {
      patch.name = dto.name.trim() || null;
    }
    if (dto.password !== undefined) {
      if (user.authProvider !== 'local' || !user.passwordHash) {
        throw new ValidationException('Only local users have a password', { reason: 'not_a_local_user' });
      }
      if (!dto.current_password) {
        throw new ValidationException('current_password is required to change the password', {
          fields: [{ field: 'current_password', errors: ['current_password is required'] }],
        });
      }
      if (!(await this.hasher.verify(user.passwordHash, dto.current_password))) {
        throw new UnauthorizedException('Current password is wrong', { reason: 'invalid_credentials' });
      }
      patch.passwordHash = await this.hasher.hash(dto.password);
    }
    if (patch.passwordHash) {
      // every session ends, the caller's too: log in again with the new password
      await this.users.updateAndEndSessions(p.orgId, p.userId, patch);
    } else if (Object.keys(patch).length) {
      await this.users.updateInOrg(p.orgId, p.userId, patch);
    }
    return this.me(p);
  }

  list(p: Principal, query: ListUsersQuery): Promise<Page<UserDto>> {
    return this.users.list(p.orgId, query, listedUserDto, 'users');
  }

  async get(p: Principal, id: string): Promise<UserDto> {
    return toUserDto(await this.find(p.orgId, id));
  }

  /** Admin+; nobody acts on or grants a role above their own; the last owner cannot be demoted. */
  @Transactional()
  async changeRole(p: Principal, id: string, dto: UpdateUserRoleDto): Promise<UserDto> {
    const owners = await this.users.lockOwners(p.orgId);
    const target = await this.find(p.orgId, id);
    this.ensureCanManage(p, target, dto.role);
    if (target.role === 'owner' && dto.role !== 'owner' && owners.length <= 1 && owners.includes(target.id)) {
      throw new ConflictException(
        'The last owner of the org cannot be demoted',
        { reason: 'last_owner' },
        'last_owner',
      );
    }
    const patch = { role: dto.role, roles: [dto.role] };
    if (roleChangeEndsSessions(target.role, dto.role)) {
      await this.users.updateAndEndSessions(p.orgId, id, patch);
    } else {
      await this.users.updateInOrg(p.orgId, id, patch);
    }
    return toUserDto({ ...target, role: dto.role } as UserEntity);
  }

  /** Removes the member (and their API keys). The last owner cannot be removed. */
  @Transactional()
  async remove(p: Principal, id: string): Promise<void> {
    const owners = await this.users.lockOwners(p.orgId);
    const target = await this.find(p.orgId, id);
    if (target.id !== p.userId) {
      this.ensureCanManage(p, target);
    }
    if (target.role === 'owner' && owners.length <= 1 && owners.includes(target.id)) {
      throw new ConflictException(
        'The last owner of the org cannot be removed',
        { reason: 'last_owner' },
        'last_owner',
      );
    }
    await this.users.deleteInOrg(p.orgId, id);
  }

  private ensureCanManage(p: Principal, target: UserEntity, newRole?: Role): void {
    if (roleRank(target.role) > roleRank(p.role)) {
      throw new ForbiddenException(`You cannot manage a user with role ${target.role}`, {
        role: target.role,
        your_role: p.role,
      });
    }
    if (newRole && roleRank(newRole) > roleRank(p.role)) {
      throw new ForbiddenException(`You cannot grant role ${newRole}`, { role: newRole, your_role: p.role });
    }
  }

  private async find(orgId: string, id: string): Promise<UserEntity> {
    const user = await this.users.findInOrg(orgId, id);
    if (!user) {
      throw new NotFoundException('User');
    }
    return user;
  }
}
