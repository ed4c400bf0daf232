import { TransactionalAdapterTypeOrm, TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

/**
 * Users of the install. Org-scoped reads take the org id; only auth looks users up install-wide.
 * Every method runs in the caller's `@Transactional()` transaction when there is one.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo(): Repository<UserEntity> {
    return this.txHost.tx.getRepository(UserEntity);
  }

  /** Install-wide lookup, for authentication only. */
  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** Authentication: the user plus whether their org exists and is disabled, in one round trip. */
  async findForAuth(id: string): Promise<{ user: UserEntity; orgDisabled: boolean } | null> {
    const { entities, raw } = await this.repo
      .createQueryBuilder('u')
      .innerJoin(OrganizationEntity, 'o', 'o.id = u.organization_id')
      .addSelect('o.disabled_at IS NOT NULL', 'org_disabled')
      .where('u.id = :id', { id })
      .getRawAndEntities<{ org_disabled: boolean }>();
    if (!entities[0]) {
      return null;
    }
    return { user: entities[0], orgDisabled: raw[0]?.org_disabled === true };
  }

  findInOrg(orgId: string, id: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { id, orgId } });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.repo.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  findByExternal(issuer: string, externalId: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { issuer, externalId } });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  /** Whether the install has any user (the first account is the bootstrap account). */
  async hasAny(): Promise<boolean> {
    const rows = (await this.txHost.tx.query(`SELECT EXISTS (SELECT 1 FROM users) AS found`)) as {
      found: boolean;
    }[];
    return rows[0]?.found === true;
  }

  /** Serialises the creation of the install's first account (seed and bootstrap registration). */
  async lockBootstrap(): Promise<void> {
    await this.txHost.tx.query('SELECT pg_advisory_xact_lock(7203114002)');
  }

  create(data: Partial<UserEntity>): Promise<UserEntity> {
    const repo = this.repo;
    return repo.save(repo.create(data));
  }

  async update(id: string, patch: Partial<UserEntity>): Promise<void> {
    await this.repo.update({ id }, patch);
  }

  /** Org members (or, with `orgId` undefined, every user: platform admins only). */
  list<R>(
    orgId: string | undefined,
    query: PageQuery & { q?: string; role?: string; disabled?: boolean },
    map: (u: UserEntity) => R,
    scope: string,
  ): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('u');
    if (orgId) {
      qb.andWhere('u.organization_id = :orgId', { orgId });
    }
    if (query.q) {
      qb.andWhere('(u.email ILIKE :q OR u.name ILIKE :q)', { q: `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    }
    if (query.role) {
      qb.andWhere('u.role = :role', { role: query.role });
    }
    if (query.disabled === true) {
      qb.andWhere('u.disabled_at IS NOT NULL');
    }
    if (query.disabled === false) {
      qb.andWhere('u.disabled_at IS NULL');
    }
    return paginate(qb, query, {
      scope: `${scope}:${orgId ?? '*'}:${query.q ?? ''}:${query.role ?? ''}:${query.disabled ?? ''}`,
      map,
    });
  }

  /** Enabled owners of the org, locked until the transaction ends (last-owner checks). */
  async lockOwners(orgId: string): Promise<string[]> {
    const rows = (await this.txHost.tx.query(
      `SELECT id FROM users WHERE organization_id = $1 AND role = 'owner' AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
      [orgId],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async updateInOrg(orgId: string, id: string, patch: Partial<UserEntity>): Promise<void> {
    await this.repo.update({ id, orgId }, patch);
  }

  /**
   * Applies the patch and bumps token_version in one statement, which ends every session issued
   * before; returns the new version (for a session issued right after), or null if no such user.
   */
  async updateAndEndSessions(orgId: string, id: string, patch: Partial<UserEntity>): Promise<number | null> {
    const res = await this.repo
      .createQueryBuilder()
      .update(UserEntity)
      .set({ ...patch, tokenVersion: () => 'token_version + 1' })
      .where('id = :id AND organization_id = :orgId', { id, orgId })
      .returning('token_version')
      .execute();
    const row = (res.raw as { token_version: number }[])[0];
    return row ? row.token_version : null;
  }

  /** Enabled platform admins, locked until the transaction ends (last-platform-admin checks). */
  async lockPlatformAdmins(permission: string): Promise<string[]> {
    const rows = (await this.txHost.tx.query(
      `SELECT id FROM users WHERE $1 = ANY(permissions) AND disabled_at IS NULL ORDER BY id FOR UPDATE`,
      [permission],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async deleteInOrg(orgId: string, id: string): Promise<void> {
    await this.repo.delete({ id, orgId });
  }

  /** The user is an enabled admin or owner of the org. */
  async isEnabledAdminOf(orgId: string, userId: string): Promise<boolean> {
    const n = await this.repo
      .createQueryBuilder('u')
      .where('u.id = :userId AND u.organization_id = :orgId', { userId, orgId })
      .andWhere('u.disabled_at IS NULL')
      .andWhere("u.role IN ('admin', 'owner')")
      .getCount();
    return n === 1;
  }

  countInOrg(orgId: string): Promise<number> {
    return this.repo.count({ where: { orgId } });
  }

  queryBuilder(alias = 'u') {
    return this.repo.createQueryBuilder(alias);
  }
}
