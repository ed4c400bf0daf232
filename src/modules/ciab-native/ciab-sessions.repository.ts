import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { CiabSessionEntity, CiabSnapshotEntity, LIVE_STATUSES, type SessionStatus } from './ciab-session.entity';

/** The only code touching ciab_sessions / ciab_snapshots; reads are scoped to an org. */
@Injectable()
export class CiabSessionsRepository {
  constructor(
    @InjectRepository(CiabSessionEntity) private readonly sessions: Repository<CiabSessionEntity>,
    @InjectRepository(CiabSnapshotEntity) private readonly snapshots: Repository<CiabSnapshotEntity>,
  ) {}

  find(orgId: string, id: string): Promise<CiabSessionEntity | null> {
    return this.sessions.findOne({ where: { orgId, id } });
  }

  /** newest first; `liveOnly` for `/sandboxes` */
  page(orgId: string, query: PageQuery, liveOnly: boolean): Promise<Page<CiabSessionEntity>> {
    const qb = this.sessions.createQueryBuilder('s').where('s.org_id = :orgId', { orgId });
    if (liveOnly) {
      qb.andWhere('s.status IN (:...live)', { live: LIVE_STATUSES });
    }
    return paginate(qb, query, { scope: liveOnly ? 'sandboxes' : 'ciab_sessions', map: (s) => s });
  }

  /** live rows owned by a replica (boot recovery, reaper) */
  liveOfInstance(instance: string): Promise<CiabSessionEntity[]> {
    return this.sessions.find({ where: { instance, status: In(LIVE_STATUSES) } });
  }

  statusesOf(ids: string[]): Promise<{ id: string; status: SessionStatus }[]> {
    return ids.length
      ? this.sessions.find({ where: { id: In(ids) }, select: { id: true, status: true } })
      : Promise.resolve([]);
  }

  /**
   * Inserts a session unless its org already has `max` live ones (false then). A transaction-scoped
   * advisory lock per org serialises the count and the insert across replicas.
   */
  insertWithinQuota(row: Partial<CiabSessionEntity> & { orgId: string }, max: number): Promise<boolean> {
    return this.sessions.manager.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('ciab:' || $1))`, [row.orgId]);
      const live = await em.count(CiabSessionEntity, { where: { orgId: row.orgId, status: In(LIVE_STATUSES) } });
      if (live >= max) {
        return false;
      }
      await em.insert(CiabSessionEntity, row);
      return true;
    });
  }

  async update(id: string, patch: Partial<CiabSessionEntity>): Promise<void> {
    await this.sessions.update({ id }, patch);
  }

  /** Moves a live session to an end state (no-op when it has ended already); true when it did. */
  async end(id: string, status: 'terminated' | 'failed', reason: string): Promise<boolean> {
    const r = await this.sessions.update(
      { id, status: In(LIVE_STATUSES) },
      { status, statusReason: reason.slice(0, 500), endedAt: new Date() },
    );
    return !!r.affected;
  }

  /** Sets a live session's status (running ⇄ idle, provisioning → running); false when it has ended. */
  async setLiveStatus(id: string, status: SessionStatus, lastActivityAt?: Date): Promise<boolean> {
    const r = await this.sessions.update(
      { id, status: In(LIVE_STATUSES) },
      { status, ...(lastActivityAt ? { lastActivityAt } : {}) },
    );
    return !!r.affected;
  }

  async insertSnapshot(row: Partial<CiabSnapshotEntity>): Promise<void> {
    await this.snapshots.insert(row);
  }

  findSnapshot(orgId: string, id: string): Promise<CiabSnapshotEntity | null> {
    return this.snapshots.findOne({ where: { orgId, id } });
  }
}
