import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { GENESIS_HASH, NO_ORG_KEY } from './audit-chain';
import { AuditCheckpointEntity } from './audit-checkpoint.entity';
import { AuditEntryEntity } from './audit-entry.entity';

const ORG_KEY = `coalesce(a.org_id, '${NO_ORG_KEY}'::uuid)`;

/** One consistent view of an org's chain (a REPEATABLE READ snapshot), for the verifier. */
export interface ChainSnapshot {
  latestCheckpoint(orgKey: string): Promise<AuditCheckpointEntity | null>;
  /** entries of the org with `seq` above `afterSeq`, in seq order */
  page(orgKey: string, afterSeq: number, limit: number): Promise<AuditEntryEntity[]>;
  /** the org's counter row: last `seq` handed out and the hash of that entry */
  head(orgKey: string): Promise<{ seq: number; lastHash: string | null } | null>;
}

export interface CutResult {
  orgKey: string;
  seq: number;
  hash: string;
  deleted: number;
}

/**
 * The hash chain's side of the audit tables (owned by libs/audit with the writer and the reader):
 * chain walks, retention cuts and their checkpoints. The only code that deletes audit entries.
 */
@Injectable()
export class AuditChainStore {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Runs `fn` on a snapshot, so a retention cut committed meanwhile cannot show up as a gap. */
  async snapshot<T>(fn: (s: ChainSnapshot) => Promise<T>): Promise<T> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction('REPEATABLE READ');
      const em = qr.manager;
      const result = await fn({
        latestCheckpoint: (orgKey) => this.latestCheckpoint(em, orgKey),
        page: (orgKey, afterSeq, limit) =>
          em
            .getRepository(AuditEntryEntity)
            .createQueryBuilder('a')
            .where(`${ORG_KEY} = :orgKey`, { orgKey })
            .andWhere('a.seq > :afterSeq', { afterSeq })
            .orderBy('a.seq', 'ASC')
            .take(limit)
            .getMany(),
        head: async (orgKey) => {
          const [row] = (await em.query(`SELECT seq::text AS seq, last_hash FROM audit_seq WHERE org_key = $1`, [
            orgKey,
          ])) as { seq: string; last_hash: string | null }[];
          return row ? { seq: Number(row.seq), lastHash: row.last_hash } : null;
        },
      });
      await qr.commitTransaction();
      return result;
    } catch (err) {
      await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await qr.release();
    }
  }

  /** Every org key that has a counter row (org id, or the install-level key). */
  async keys(): Promise<string[]> {
    const rows = (await this.ds.query(`SELECT org_key AS k FROM audit_seq ORDER BY org_key`)) as { k: string }[];
    return rows.map((r) => r.k);
  }

  /**
   * Deletes the org's chain prefix up to its last entry stored before `cutoff` and records a checkpoint
   * for it (signed by `sign`), in one transaction. Null when nothing is old enough.
   */
  async cut(orgKey: string, cutoff: Date, sign: (seq: number, hash: string) => string): Promise<CutResult | null> {
    return this.ds.transaction(async (em) => {
      // the (org_id, created_at) index finds the old rows; the cut is the prefix up to the newest of them
      const orgId = orgKey === NO_ORG_KEY ? null : orgKey;
      const [last] = (await em.query(
        `SELECT seq::text AS seq, hash FROM audit_log a WHERE ${ORG_KEY} = $1 AND a.seq = (
           SELECT max(seq) FROM audit_log WHERE ${orgId ? 'org_id = $1' : 'org_id IS NULL'} AND created_at < $2)`,
        [orgKey, cutoff],
      )) as { seq: string; hash: string | null }[];
      if (!last) {
        return null;
      }
      const seq = Number(last.seq);
      // a cut inside the rows written before the chain existed: the first chained row starts from genesis
      const hash = last.hash ?? GENESIS_HASH;
      await em.query(`SELECT set_config('agentcy.audit_retention', 'on', true)`);
      const deleted = (await em.query(`DELETE FROM audit_log a WHERE ${ORG_KEY} = $1 AND a.seq <= $2`, [
        orgKey,
        seq,
      ])) as [unknown, number];
      await em.getRepository(AuditCheckpointEntity).insert({
        orgKey,
        orgId,
        seq: String(seq),
        hash,
        cutAt: new Date(),
        signature: sign(seq, hash),
      });
      return { orgKey, seq, hash, deleted: deleted[1] };
    });
  }

  private latestCheckpoint(em: EntityManager, orgKey: string): Promise<AuditCheckpointEntity | null> {
    return em.getRepository(AuditCheckpointEntity).findOne({ where: { orgKey }, order: { seq: 'DESC' } });
  }
}
