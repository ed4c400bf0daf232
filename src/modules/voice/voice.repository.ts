import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { VoiceSessionEntity, type VoiceEndReason } from './voice-session.entity';

/** The only code touching the voice_sessions table; every read is scoped to an org. */
@Injectable()
export class VoiceRepository {
  constructor(@InjectRepository(VoiceSessionEntity) private readonly repo: Repository<VoiceSessionEntity>) {}

  find(orgId: string, id: string): Promise<VoiceSessionEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  /** Newest first; `createdBy` narrows to one user's sessions (members see their own). */
  list<R>(
    orgId: string,
    createdBy: string | null,
    query: PageQuery,
    map: (row: VoiceSessionEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('s').where('s.orgId = :orgId', { orgId });
    if (createdBy) {
      qb.andWhere('s.createdBy = :createdBy', { createdBy });
    }
    return paginate(qb, query, { scope: `voice_sessions:${orgId}:${createdBy ?? '*'}`, map });
  }

  async insert(row: Partial<VoiceSessionEntity>): Promise<void> {
    await this.repo.insert(row);
  }

  /** pending → active, once (the socket opened with the session's token on the replica `owner`). */
  async activate(orgId: string, id: string, owner: string): Promise<boolean> {
    const r = await this.repo
      .createQueryBuilder()
      .update(VoiceSessionEntity)
      .set({ status: 'active', startedAt: () => 'now()', ownerInstance: owner })
      .where('org_id = :orgId AND id = :id AND status = :pending', { orgId, id, pending: 'pending' })
      .execute();
    return !!r.affected;
  }

  async update(orgId: string, id: string, patch: Partial<VoiceSessionEntity>): Promise<void> {
    await this.repo.update({ orgId, id }, patch);
  }

  /** pending|active → ended with a reason (first end wins). */
  async end(orgId: string, id: string, reason: VoiceEndReason, audioSecs?: number): Promise<boolean> {
    const r = await this.repo
      .createQueryBuilder()
      .update(VoiceSessionEntity)
      .set({
        status: 'ended',
        endReason: reason,
        endedAt: () => 'now()',
        ...(audioSecs !== undefined ? { audioSecs } : {}),
      })
      .where(`org_id = :orgId AND id = :id AND status <> 'ended'`, { orgId, id })
      .execute();
    return !!r.affected;
  }

  /** Active sessions whose socket's replica is recorded (all orgs: the sweeper's input), oldest first. */
  activeOwnedSessions(): Promise<VoiceSessionEntity[]> {
    return this.repo
      .createQueryBuilder('s')
      .where(`s.status = 'active' AND s.owner_instance IS NOT NULL`)
      .orderBy('s.started_at', 'ASC')
      .getMany();
  }

  /**
   * active → ended `interrupted`, only while the session is still active and owned by `owner` (the
   * dead replica): one conditional UPDATE, so of two sweepers racing for it exactly one gets true.
   */
  async endInterrupted(id: string, owner: string): Promise<boolean> {
    const r = await this.repo
      .createQueryBuilder()
      .update(VoiceSessionEntity)
      .set({ status: 'ended', endReason: 'interrupted', endedAt: () => 'now()' })
      .where(`id = :id AND status = 'active' AND owner_instance = :owner`, { id, owner })
      .execute();
    return !!r.affected;
  }

  async incrementTurns(orgId: string, id: string, conversationId: string): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update(VoiceSessionEntity)
      .set({ turns: () => 'turns + 1', conversationId })
      .where('org_id = :orgId AND id = :id', { orgId, id })
      .execute();
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    return !!(await this.repo.delete({ orgId, id })).affected;
  }
}
