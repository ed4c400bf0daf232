import { TransactionHost } from '@libs/database/transaction';
import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { IsNull, type Repository } from 'typeorm';
import { MemoryEntity } from './memory.entity';

export interface MemoryFilter {
  kind?: string;
  realm?: string;
  tag?: string;
  q?: string;
  includeDeleted?: boolean;
}

export interface CandidateFilter {
  /** undefined: every realm; a realm: that realm and the realm-less entries */
  realm?: string | null;
  kinds?: string[];
}

const isMemoryId = (id: string) => /^mem_[0-9a-f]{32}$/.test(id);

/** The only code touching the `memories` table; every method is scoped to an org. */
@Injectable()
export class MemoryRepository {
  constructor(private readonly txHost: TransactionHost) {}

  private get repo(): Repository<MemoryEntity> {
    return this.txHost.tx.getRepository(MemoryEntity);
  }

  find(orgId: string, id: string, includeDeleted = false): Promise<MemoryEntity | null> {
    if (!isMemoryId(id)) {
      return Promise.resolve(null);
    }
    return this.repo.findOne({ where: { orgId, id, ...(includeDeleted ? {} : { deletedAt: IsNull() }) } });
  }

  /** The live entry with the same normalised text in the same realm and kind. */
  findDuplicate(orgId: string, realm: string | null, kind: string, textHash: string): Promise<MemoryEntity | null> {
    return this.repo.findOne({ where: { orgId, realm: realm ?? IsNull(), kind, textHash, deletedAt: IsNull() } });
  }

  insert(data: Partial<MemoryEntity>): Promise<MemoryEntity> {
    return this.repo.save(this.repo.create(data));
  }

  async update(orgId: string, id: string, patch: Partial<MemoryEntity>): Promise<void> {
    await this.repo.update({ orgId, id }, patch);
  }

  /**
   * Graph mirror state only: does not touch `updated_at` (recency must not move on a sync).
   * False when the row is gone (hard-deleted by the compaction meanwhile).
   */
  async setGraphSynced(id: string, synced: boolean): Promise<boolean> {
    const res: unknown = await this.txHost.tx.query(`UPDATE memories SET graph_synced = $2 WHERE id = $1`, [
      id,
      synced,
    ]);
    return affected(res) > 0;
  }

  /** Re-embedding only: does not touch `updated_at`. */
  async setEmbedding(id: string, embedding: number[], model: string): Promise<void> {
    await this.txHost.tx.query(`UPDATE memories SET embedding = $2, embedding_model = $3 WHERE id = $1`, [
      id,
      embedding,
      model,
    ]);
  }

  list<R>(orgId: string, f: MemoryFilter, query: PageQuery, map: (m: MemoryEntity) => R): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('m').where('m.org_id = :orgId', { orgId });
    if (!f.includeDeleted) {
      qb.andWhere('m.deleted_at IS NULL');
    }
    if (f.kind) {
      qb.andWhere('m.kind = :kind', { kind: f.kind });
    }
    if (f.realm) {
      qb.andWhere('m.realm = :realm', { realm: f.realm });
    }
    if (f.tag) {
      qb.andWhere(':tag = ANY(m.tags)', { tag: f.tag });
    }
    if (f.q) {
      qb.andWhere('m.text ILIKE :like', { like: `%${f.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%` });
    }
    const scope = `memory:${orgId}:${f.kind ?? ''}:${f.realm ?? ''}:${f.tag ?? ''}:${f.q ?? ''}:${f.includeDeleted ? 1 : 0}`;
    return paginate(qb, query, { scope, map });
  }

  /** The most recently updated live entries a recall ranks (bounded). */
  candidates(orgId: string, f: CandidateFilter, limit: number): Promise<MemoryEntity[]> {
    const qb = this.repo.createQueryBuilder('m').where('m.org_id = :orgId', { orgId }).andWhere('m.deleted_at IS NULL');
    if (f.realm !== undefined) {
      if (f.realm === null) {
        qb.andWhere('m.realm IS NULL');
      } else {
        qb.andWhere('(m.realm = :realm OR m.realm IS NULL)', { realm: f.realm });
      }
    }
    if (f.kinds?.length) {
      qb.andWhere('m.kind IN (:...kinds)', { kinds: f.kinds });
    }
    return qb.orderBy('m.updated_at', 'DESC').addOrderBy('m.id', 'DESC').take(limit).getMany();
  }

  /** A batch of entries to push to the graph (unsynced ones, or all, deleted ones included), in id order. */
  toSync(orgId: string, all: boolean, afterId: string, limit: number): Promise<MemoryEntity[]> {
    const qb = this.repo
      .createQueryBuilder('m')
      .where('m.org_id = :orgId', { orgId })
      .andWhere('m.id > :afterId', { afterId });
    if (!all) {
      qb.andWhere('m.graph_synced = false');
    }
    return qb.orderBy('m.id', 'ASC').take(limit).getMany();
  }

  countToSync(orgId: string, all: boolean): Promise<number> {
    return this.repo.count({ where: { orgId, ...(all ? {} : { graphSynced: false }) } });
  }

  /** Compaction: orgs (after `afterOrgId`, in id order) having entries deleted before `cutoff`. */
  async orgsWithTombstones(cutoff: Date, afterOrgId: string | null, limit: number): Promise<string[]> {
    const rows = (await this.txHost.tx.query(
      `SELECT DISTINCT org_id FROM memories
        WHERE deleted_at IS NOT NULL AND deleted_at < $1 AND ($2::uuid IS NULL OR org_id > $2::uuid)
        ORDER BY org_id LIMIT $3`,
      [cutoff, afterOrgId, limit],
    )) as { org_id: string }[];
    return rows.map((r) => r.org_id);
  }

  /** Compaction: ids of the org's entries deleted before `cutoff` (a batch, in id order); never a live entry. */
  async tombstoneIds(orgId: string, cutoff: Date, limit: number): Promise<string[]> {
    const rows = (await this.txHost.tx.query(
      `SELECT id FROM memories
        WHERE org_id = $1 AND deleted_at IS NOT NULL AND deleted_at < $2
        ORDER BY id LIMIT $3`,
      [orgId, cutoff, limit],
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /**
   * Compaction: hard-deletes those of `ids` that are still the org's entries deleted before
   * `cutoff` (the condition is checked again here, so a live entry is never removed); returns the
   * ids deleted.
   */
  async hardDeleteTombstones(orgId: string, ids: string[], cutoff: Date): Promise<string[]> {
    if (!ids.length) {
      return [];
    }
    const res: unknown = await this.txHost.tx.query(
      `DELETE FROM memories
        WHERE org_id = $1 AND id = ANY($2::varchar[]) AND deleted_at IS NOT NULL AND deleted_at < $3
        RETURNING id`,
      [orgId, ids, cutoff],
    );
    // the pg driver answers a DELETE with [rows, affected]
    const rows = Array.isArray(res) && Array.isArray(res[0]) ? (res[0] as { id: string }[]) : [];
    return rows.map((r) => r.id);
  }

  /**
   * Compaction: `VACUUM (ANALYZE) memories` (reclaims the deleted rows' space and index entries for
   * reuse, refreshes the planner's statistics; takes no lock that blocks reads or writes). VACUUM
   * cannot run inside a transaction block and needs the table's owner: inside a transaction, or when
   * it is refused, `ANALYZE memories` only.
   */
  async maintain(): Promise<'vacuum_analyze' | 'analyze'> {
    if (!this.txHost.tx.queryRunner?.isTransactionActive) {
      try {
        await this.txHost.tx.query(`VACUUM (ANALYZE) memories`);
        return 'vacuum_analyze';
      } catch {
        // not the owner, or a pooler that wraps statements in a transaction: fall through
      }
    }
    await this.txHost.tx.query(`ANALYZE memories`);
    return 'analyze';
  }
}

/** Rows an UPDATE/DELETE touched: the pg driver answers them with [rows, affected]. */
function affected(res: unknown): number {
  return Array.isArray(res) && typeof res[1] === 'number' ? res[1] : 0;
}
