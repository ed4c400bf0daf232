import type { Role } from '@libs/auth/principal';
import { PrincipalChanges } from '@libs/auth/principal-changes';
import { isoTimestamp } from '@libs/database/entity-rows';
import { preparedStatement } from '@libs/database/prepared-statement';
import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginateSql } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Repository } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

/** A listed user as the list statement returns it: public fields only, timestamps as ISO-8601 text. */
export interface ListedUserRow {
  id: string;
  organization_id: string;
  email: string;
  name: string | null;
  role: Role;
  auth_provider: 'local' | 'oidc';
  last_login_at: string | null;
  disabled: boolean;
  /** also the keyset's sort key: the cursor carries it as the ISO text a Date would give */
  created_at: string;
}

const LISTED_USER_COLUMNS = [
  'u.id',
  'u.organization_id',
  'u.email',
  'u.name',
  'u.role',
  'u.auth_provider',
  `${isoTimestamp('u.last_login_at')} AS last_login_at`,
  'u.disabled_at IS NOT NULL AS disabled',
  `${isoTimestamp('u.created_at')} AS created_at`,
].join(', ');

/**
 * Users of the install. Org-scoped reads take the org id; only auth looks users up install-wide.
 * Every method runs in the caller's `@Transactional()` transaction when there is one.
 */
@Injectable()
export class UsersRepository {
  /** the list's statements (one per combination of filters), prepared on first use */
  private readonly listStatements = new Map<string, (values: unknown[]) => Promise<unknown[]>>();

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
   * SQL statement for the page and its total (paginateSql) that selects only the listed fields,
   * timestamps already as ISO-8601 text; no query builder, no hydration, no date parsing.
   */
  list<R>(
    orgId: string | undefined,
    query: PageQuery & { q?: string; role?: string; disabled?: boolean },
    map: (u: ListedUserRow) => R,
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
    return paginateSql<ListedUserRow & Record<string, unknown>, R>((sql, p) => this.runList(sql, p), query, {
      scope: `${scope}:${orgId ?? '*'}:${query.q ?? ''}:${query.role ?? ''}:${query.disabled ?? ''}`,
      columns: LISTED_USER_COLUMNS,
      table: 'users',
      alias: 'u',
      where,
      params,
      map,
    });
  }

  /**
   * Outside a transaction the list runs as a named prepared statement (parsed and planned once per
   * connection); its text depends only on which filters are set, so there are few of them.
   */
  private runList(sql: string, params: unknown[]): Promise<unknown[]> {
    if (this.txHost.inTransaction) {
      return this.txHost.tx.query(sql, params);
    }
    let run = this.listStatements.get(sql);
    if (!run) {
      const name = `users_list_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
      run = preparedStatement(this.txHost.tx.connection, name, sql);
      this.listStatements.set(sql, run);
    }
    return run(params);
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
