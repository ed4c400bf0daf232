import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type Repository } from 'typeorm';
import { ArtifactEntity } from './artifact.entity';

export type NewArtifactRow = Omit<ArtifactEntity, 'createdAt'>;

export interface ArtifactFilter {
  conversationId?: string;
  taskRunId?: string;
  toolCallId?: string;
  sourceType?: string;
  mime?: string;
}

/** The only code touching `artifacts`; every method but the signed-link lookup is scoped to the org. */
@Injectable()
export class ArtifactsRepository {
  constructor(@InjectRepository(ArtifactEntity) private readonly repo: Repository<ArtifactEntity>) {}

  async insert(row: NewArtifactRow): Promise<ArtifactEntity> {
    await this.repo.insert(row);
    return (await this.find(row.orgId, row.id))!;
  }

  find(orgId: string, id: string): Promise<ArtifactEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  findMany(orgId: string, ids: string[]): Promise<ArtifactEntity[]> {
    return ids.length ? this.repo.find({ where: { orgId, id: In(ids) } }) : Promise.resolve([]);
  }

  /** Sets `conversation_id` where it is still null; the ids actually linked. */
  async linkConversation(orgId: string, ids: string[], conversationId: string): Promise<string[]> {
    if (!ids.length) {
      return [];
    }
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({ conversationId })
      .where({ orgId, id: In(ids), conversationId: IsNull() })
      .returning(['id'])
      .execute();
    return (res.raw as { id: string }[]).map((r) => r.id);
  }

  /** Sets `task_run_id` on a conversation's artifacts that have none (`chat` ones become `task_run`); the ids. */
  async linkTaskRun(orgId: string, conversationId: string, taskRunId: string): Promise<string[]> {
    const res = await this.repo
      .createQueryBuilder()
      .update()
      .set({ taskRunId, sourceType: () => "CASE WHEN source_type = 'chat' THEN 'task_run' ELSE source_type END" })
      .where({ orgId, conversationId, taskRunId: IsNull() })
      .returning(['id'])
      .execute();
    return (res.raw as { id: string }[]).map((r) => r.id);
  }

  /** For `GET /artifacts/:id/content`: the verified signature over the id is the credential, not an org. */
  findForSignedLink(id: string): Promise<ArtifactEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  private filtered(orgId: string, f: ArtifactFilter) {
    const qb = this.repo.createQueryBuilder('a').where('a.org_id = :orgId', { orgId });
    if (f.conversationId) {
      qb.andWhere('a.conversation_id = :cid', { cid: f.conversationId });
    }
    if (f.taskRunId) {
      qb.andWhere('a.task_run_id = :rid', { rid: f.taskRunId });
    }
    if (f.toolCallId) {
      qb.andWhere('a.tool_call_id = :tid', { tid: f.toolCallId });
    }
    if (f.sourceType) {
      qb.andWhere('a.source_type = :st', { st: f.sourceType });
    }
    if (f.mime) {
      qb.andWhere('a.content_type = :mime', { mime: f.mime });
    }
    return qb;
  }

  list<R>(orgId: string, f: ArtifactFilter, q: PageQuery, map: (e: ArtifactEntity) => R): Promise<Page<R>> {
    const scope = `artifacts:${orgId}:${f.conversationId ?? ''}:${f.taskRunId ?? ''}:${f.toolCallId ?? ''}:${f.sourceType ?? ''}:${f.mime ?? ''}`;
    return paginate(this.filtered(orgId, f), q, { scope, map });
  }

  /** Newest first, at most `limit`: what a task run or conversation produced. */
  listAll(orgId: string, f: ArtifactFilter, limit: number): Promise<ArtifactEntity[]> {
    return this.filtered(orgId, f).orderBy('a.created_at', 'DESC').addOrderBy('a.id', 'DESC').take(limit).getMany();
  }

  /** The artifacts of these runs or conversations, oldest first (id and links only). */
  linkedToRuns(
    orgId: string,
    taskRunIds: string[],
    conversationIds: string[],
  ): Promise<Pick<ArtifactEntity, 'id' | 'taskRunId' | 'conversationId'>[]> {
    if (!taskRunIds.length && !conversationIds.length) {
      return Promise.resolve([]);
    }
    const qb = this.repo
      .createQueryBuilder('a')
      .select(['a.id', 'a.taskRunId', 'a.conversationId'])
      .where('a.org_id = :orgId', { orgId })
      .andWhere(
        conversationIds.length
          ? '(a.task_run_id IN (:...rids) OR a.conversation_id IN (:...cids))'
          : 'a.task_run_id IN (:...rids)',
        { rids: taskRunIds.length ? taskRunIds : [''], cids: conversationIds },
      );
    return qb.orderBy('a.created_at', 'ASC').addOrderBy('a.id', 'ASC').getMany();
  }

  /** One page of an org's storage keys, by id after `afterId`. */
  storageKeysAfter(
    orgId: string,
    afterId: string,
    limit: number,
  ): Promise<Pick<ArtifactEntity, 'id' | 'storageKey'>[]> {
    return this.repo
      .createQueryBuilder('a')
      .select(['a.id', 'a.storageKey'])
      .where('a.org_id = :orgId AND a.id > :afterId', { orgId, afterId })
      .orderBy('a.id', 'ASC')
      .take(limit)
      .getMany();
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const res = await this.repo.delete({ orgId, id });
    return (res.affected ?? 0) > 0;
  }
}
