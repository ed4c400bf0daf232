import { prefixedId } from '@libs/database/ids';
import { paginate, type Page, type PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { RecommendationCandidate } from './recommendation-rules';
import {
  TaskRecommendationEntity,
  TaskRecommendationRunEntity,
  type RecommendationStatus,
} from './task-recommendation.entity';

/** The only code touching `task_recommendations` and `task_recommendation_runs`; every method is org-scoped. */
@Injectable()
export class TaskRecommendationsRepository {
  constructor(
    @InjectRepository(TaskRecommendationEntity) private readonly repo: Repository<TaskRecommendationEntity>,
    @InjectRepository(TaskRecommendationRunEntity) private readonly runs: Repository<TaskRecommendationRunEntity>,
  ) {}

  /**
   * Makes the open recommendations the given candidates: new fingerprints are inserted, open ones
   * refreshed, open ones no longer suggested deleted. Accepted and dismissed rows are never touched,
   * so a dismissed fingerprint does not come back.
   */
  async replaceOpen(orgId: string, candidates: RecommendationCandidate[]): Promise<void> {
    await this.repo.manager.transaction(async (m) => {
      for (const c of candidates) {
        await m.query(
          `INSERT INTO task_recommendations (id, org_id, fingerprint, title, rationale, suggested_task, score, source)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)
           ON CONFLICT (org_id, fingerprint) DO UPDATE
             SET title = EXCLUDED.title, rationale = EXCLUDED.rationale, suggested_task = EXCLUDED.suggested_task,
                 score = EXCLUDED.score, source = EXCLUDED.source, updated_at = now()
             WHERE task_recommendations.status = 'open'`,
          [
            prefixedId('rec'),
            orgId,
            c.fingerprint,
            c.title,
            c.rationale,
            JSON.stringify(c.suggestedTask),
            c.score,
            c.source,
          ],
        );
      }
      await m.query(
        `DELETE FROM task_recommendations WHERE org_id = $1 AND status = 'open' AND NOT (fingerprint = ANY($2::text[]))`,
        [orgId, candidates.map((c) => c.fingerprint)],
      );
      await m.query(
        `INSERT INTO task_recommendation_runs (org_id, computed_at) VALUES ($1, now())
         ON CONFLICT (org_id) DO UPDATE SET computed_at = now()`,
        [orgId],
      );
    });
  }

  async computedAt(orgId: string): Promise<Date | null> {
    return (await this.runs.findOne({ where: { orgId } }))?.computedAt ?? null;
  }

  list<R>(
    orgId: string,
    q: PageQuery & { status?: RecommendationStatus },
    map: (e: TaskRecommendationEntity) => R,
  ): Promise<Page<R>> {
    const qb = this.repo.createQueryBuilder('r').where('r.org_id = :orgId', { orgId });
    if (q.status) {
      qb.andWhere('r.status = :status', { status: q.status });
    }
    return paginate(qb, q, { scope: `task_recommendations:${orgId}:${q.status ?? ''}`, map });
  }

  find(orgId: string, id: string): Promise<TaskRecommendationEntity | null> {
    return this.repo.findOne({ where: { orgId, id } });
  }

  /** open → `status`, conditionally: false when it was not open any more. */
  async decide(orgId: string, id: string, status: 'accepted' | 'dismissed', userId: string): Promise<boolean> {
    const res = await this.repo.update(
      { orgId, id, status: 'open' },
      { status, decidedBy: userId, decidedAt: () => 'now()' },
    );
    return (res.affected ?? 0) > 0;
  }

  async setTask(orgId: string, id: string, taskId: string): Promise<void> {
    await this.repo.update({ orgId, id }, { taskId });
  }

  /** Back to open after an accept whose task could not be created. */
  async reopen(orgId: string, id: string): Promise<void> {
    await this.repo.update({ orgId, id, status: 'accepted' }, { status: 'open', decidedBy: null, decidedAt: null });
  }
}
