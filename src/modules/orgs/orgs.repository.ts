import { PrincipalChanges } from '@libs/auth/principal-changes';
import { TransactionHost } from '@libs/database/transaction';
import { Page, PageQuery, paginate } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { OrgSettingsCache } from './org-settings-cache';
import { OrganizationEntity } from './organization.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OrgSettingsRow {
  id: string;
  name: string;
  displayName: string;
  settings: Record<string, unknown>;
}

type SettingsRaw = { id: string; name: string; display_name: string; settings: Record<string, unknown> | null };

const toSettingsRow = (r: SettingsRaw): OrgSettingsRow => ({
  id: r.id,
  name: r.name,
  displayName: r.display_name,
  settings: r.settings ?? {},
});

/** The only code touching the organizations table (runs in the caller's `@Transactional()` transaction if any). */
@Injectable()
export class OrgsRepository {
  constructor(
    private readonly txHost: TransactionHost,
    private readonly changes: PrincipalChanges,
    private readonly settingsCache: OrgSettingsCache,
  ) {}

  private get repo(): Repository<OrganizationEntity> {
    return this.txHost.tx.getRepository(OrganizationEntity);
  }

  findById(id: string): Promise<OrganizationEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** Neither disabled nor deleted: work done for the org without a user request checks this first. */
  async isActive(id: string): Promise<boolean> {
    if (!UUID.test(id)) {
      return false;
    }
    const n = await this.repo
      .createQueryBuilder('o')
      .where('o.id = :id AND o.disabled_at IS NULL AND o.deleted_at IS NULL', { id })
      .getCount();
    return n === 1;
  }

  findByName(name: string): Promise<OrganizationEntity | null> {
    return this.repo.createQueryBuilder('o').where('lower(o.name) = lower(:name)', { name }).getOne();
  }

  create(data: Partial<OrganizationEntity>): Promise<OrganizationEntity> {
    return this.repo.save(this.repo.create(data));
  }

  /**
   * The settings document (JSONB) with the names, or null for an unknown org. Outside a transaction
   * it comes from the replica's OrgSettingsCache (frozen: copy before editing); inside one, from
   * the transaction.
   */
  findSettings(id: string): Promise<OrgSettingsRow | null> {
    if (!UUID.test(id)) {
      return Promise.resolve(null);
    }
    return this.txHost.inTransaction ? this.readSettings(id) : this.settingsCache.get(id, () => this.readSettings(id));
  }

  private async readSettings(id: string): Promise<OrgSettingsRow | null> {
    const rows = (await this.txHost.tx.query(
      `SELECT id, name, display_name, settings FROM organizations WHERE id = $1`,
      [id],
    )) as SettingsRaw[];
    return rows[0] ? toSettingsRow(rows[0]) : null;
  }

  /** Same as findSettings, with the row locked until the transaction ends (`SELECT … FOR UPDATE`). */
  async lockSettings(id: string): Promise<OrgSettingsRow | null> {
    if (!UUID.test(id)) {
      return null;
    }
    const rows = (await this.txHost.tx.query(
      `SELECT id, name, display_name, settings FROM organizations WHERE id = $1 FOR UPDATE`,
      [id],
    )) as SettingsRaw[];
    return rows[0] ? toSettingsRow(rows[0]) : null;
  }

  async writeSettings(id: string, settings: Record<string, unknown>, displayName: string): Promise<void> {
    await this.txHost.tx.query(
      `UPDATE organizations SET settings = $2::jsonb, display_name = $3, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(settings), displayName],
    );
    await this.settingsCache.changed(id);
  }

  /** Deleted orgs are left out unless `deleted` is true (then only they are listed). */
  list<R>(
    query: PageQuery & { q?: string; disabled?: boolean; deleted?: boolean },
    map: (o: OrganizationEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.repo
      .createQueryBuilder('o')
      .where(query.deleted ? 'o.deleted_at IS NOT NULL' : 'o.deleted_at IS NULL');
    if (query.q) {
      qb.andWhere('(o.name ILIKE :q OR o.display_name ILIKE :q)', {
        q: `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      });
    }
    if (query.disabled === true) {
      qb.andWhere('o.disabled_at IS NOT NULL');
    }
    if (query.disabled === false) {
      qb.andWhere('o.disabled_at IS NULL');
    }
    return paginate(qb, query, { scope: `orgs:${query.q ?? ''}:${query.disabled ?? ''}:${query.deleted ?? ''}`, map });
  }

  /** Orgs deleted before `before`, oldest first. */
  async dueForPurge(before: Date, limit: number): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('o')
      .select('o.id', 'id')
      .where('o.deleted_at < :before', { before })
      .orderBy('o.deleted_at', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /** Deletes the org row (every org-scoped table cascades) if it is still deleted before `before`. */
  async purge(id: string, before: Date): Promise<boolean> {
    const res = await this.repo
      .createQueryBuilder()
      .delete()
      .where('id = :id AND deleted_at < :before', { id, before })
      .execute();
    await this.changes.announce('org', id);
    return (res.affected ?? 0) > 0;
  }

  async update(id: string, patch: Partial<OrganizationEntity>): Promise<void> {
    await this.repo.update({ id }, patch as never);
    await this.changes.announce('org', id);
  }

  /** Members per org, for the given org ids. */
  async userCounts(ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) {
      return new Map();
    }
    const rows = (await this.repo.query(
      `SELECT organization_id AS id, count(*)::int AS n FROM users WHERE organization_id = ANY($1::uuid[]) GROUP BY organization_id`,
      [ids],
    )) as { id: string; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  queryBuilder(alias = 'o') {
    return this.repo.createQueryBuilder(alias);
  }
}
