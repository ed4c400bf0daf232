import { prefixedId } from '@libs/database/ids';
import { TransactionHost } from '@libs/database/transaction';
import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { PolicyChanges, type PolicySource, type StarterPolicy } from '@libs/policy';
import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { PolicyEntity, PolicyVersionEntity } from './policy.entity';

export type PolicyPatch = Partial<Pick<PolicyEntity, 'name' | 'description' | 'source' | 'enabled'>>;

/**
 * The only code touching `policies` and `policy_versions`; every method is org-scoped and runs in
 * the caller's transaction. Every write announces the org's change (after commit) so each
 * replica recompiles the org's set.
 */
@Injectable()
export class PoliciesRepository {
  constructor(
    private readonly txHost: TransactionHost,
    private readonly changes: PolicyChanges,
  ) {}

  private get repo(): Repository<PolicyEntity> {
    return this.txHost.tx.getRepository(PolicyEntity);
  }

  private get versionsRepo(): Repository<PolicyVersionEntity> {
    return this.txHost.tx.getRepository(PolicyVersionEntity);
  }

  /**
   * Inserts the starter policies the org does not have yet (by name) with their first version, in
   * one statement: concurrent seeders of one org (any replica) insert each at most once.
   */
  async seedStarters(orgId: string, starters: readonly StarterPolicy[]): Promise<number> {
    const rows = starters.map((s) => ({ id: prefixedId('pol'), vid: prefixedId('polv'), ...s }));
    const inserted = (await this.txHost.tx.query(
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(id text, vid text, name text, description text, source text)),
       ins AS (
         INSERT INTO policies (id, org_id, name, description, source, enabled, builtin, version)
         SELECT id, $1, name, description, source, true, true, 1 FROM input
         ON CONFLICT (org_id, name) DO NOTHING
         RETURNING id, description, source)
       INSERT INTO policy_versions (id, policy_id, org_id, version, description, source, enabled)
       SELECT input.vid, ins.id, $1, 1, ins.description, ins.source, true FROM ins JOIN input USING (id)
       RETURNING id`,
      [orgId, JSON.stringify(rows)],
    )) as unknown[];
    if (inserted.length) {
      await this.changes.announce(orgId);
    }
    return inserted.length;
  }

  async enabledSources(orgId: string): Promise<PolicySource[]> {
    return (await this.repo.find({
      where: { orgId, enabled: true },
      select: { id: true, name: true, source: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    })) as PolicySource[];
  }

  list<R>(orgId: string, query: PageQuery, map: (p: PolicyEntity) => R): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('p').where('p.org_id = :orgId', { orgId });
    return paginate(qb, query, { scope: `policies:${orgId}`, map });
  }

  find(orgId: string, id: string): Promise<PolicyEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  findByName(orgId: string, name: string): Promise<PolicyEntity | null> {
    return this.repo.findOne({ where: { orgId, name } });
  }

  async create(data: Omit<PolicyEntity, 'id' | 'version' | 'createdAt' | 'updatedAt'>): Promise<PolicyEntity> {
    const row = await this.repo.save(this.repo.create({ ...data, id: prefixedId('pol'), version: 1 }));
    await this.addVersion(row, row.createdBy);
    await this.changes.announce(row.orgId);
    return row;
  }

  /** Applies the patch as the next version (row locked: concurrent edits get consecutive versions). */
  async update(orgId: string, id: string, patch: PolicyPatch, by: string | null): Promise<PolicyEntity | null> {
    const cur = await this.repo.findOne({ where: { orgId, id }, lock: { mode: 'pessimistic_write' } });
    if (!cur) {
      return null;
    }
    Object.assign(cur, patch, { version: cur.version + 1 });
    const row = await this.repo.save(cur);
    await this.addVersion(row, by);
    await this.changes.announce(orgId);
    return row;
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const res = await this.repo.delete({ orgId, id });
    if (res.affected) {
      await this.changes.announce(orgId);
    }
    return !!res.affected;
  }

  versions<R>(orgId: string, policyId: string, query: PageQuery, map: (v: PolicyVersionEntity) => R): Promise<Page<R>> {
    const qb = this.versionsRepo
      .createQueryBuilder('v')
      .where('v.org_id = :orgId', { orgId })
      .andWhere('v.policy_id = :policyId', { policyId });
    return paginate(qb, query, { scope: `policy-versions:${orgId}:${policyId}`, map, sortProperty: 'version' });
  }

  private async addVersion(p: PolicyEntity, by: string | null): Promise<void> {
    await this.versionsRepo.insert({
      id: prefixedId('polv'),
      policyId: p.id,
      orgId: p.orgId,
      version: p.version,
      description: p.description,
      source: p.source,
      enabled: p.enabled,
      createdBy: by,
    });
  }
}
