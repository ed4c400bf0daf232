import { PrincipalChanges } from '@libs/auth/principal-changes';
import { entityRows, EntityRows } from '@libs/database/entity-rows';
import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginateSql } from '@libs/pagination';
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
  /** the columns of a listed user (never the password hash) and row → entity, built on first use */
  private listRows?: EntityRows<UserEntity>;

  constructor(
    private readonly txHost: TransactionHost,
    private readonly changes: PrincipalChanges,
  ) {}

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
    await this.changes.announce('user', id);
  }

  /**
   * Org members (or, with `orgId` undefined, every user: platform admins only). A hot list: one
   * SQL statement for the page and its total (paginateSql), no query builder, no hydration.
   */
  list<R>(
    orgId: string | undefined,
    query: PageQuery & { q?: string; role?: string; disabled?: boolean },
    map: (u: UserEntity) => R,
    scope: string,
  ): Promise<Page<R>> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (orgId) {
      where.push(`u.organization_id = ${param(orgId)}`);
    }
    if (query.q) {
      const like = param(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(u.email ILIKE ${like} OR u.name ILIKE ${like})`);
    }
    if (query.role) {
      where.push(`u.role = ${param(query.role)}`);
    }
    if (query.disabled === true) {
      where.push('u.disabled_at IS NOT NULL');
    }
    if (query.disabled === false) {
      where.push('u.disabled_at IS NULL');
    }
    const rows = (this.listRows ??= entityRows(this.txHost.tx.connection, UserEntity, 'u', ['passwordHash']));
    return paginateSql((sql, p) => this.txHost.tx.query(sql, p), query, {
      scope: `${scope}:${orgId ?? '*'}:${query.q ?? ''}:${query.role ?? ''}:${query.disabled ?? ''}`,
      columns: rows.columns,
      table: 'users',
      alias: 'u',
      where,
      params,
      map: (row) => map(rows.map(row)),
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
    await this.changes.announce('user', id);
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
    await this.changes.announce('user', id);
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
    await this.changes.announce('user', id);
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

  /** Ids of the org's enabled admins and owners (notification recipients). */
  async enabledAdminIds(orgId: string): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where('u.organization_id = :orgId', { orgId })
      .andWhere('u.disabled_at IS NULL')
      .andWhere("u.role IN ('admin', 'owner')")
      .orderBy('u.id')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  countInOrg(orgId: string): Promise<number> {
    return this.repo.count({ where: { orgId } });
  }

  queryBuilder(alias = 'u') {
    return this.repo.createQueryBuilder(alias);
  }
}
