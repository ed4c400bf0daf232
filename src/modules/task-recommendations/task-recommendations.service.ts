import type { Principal } from '@libs/auth/principal';
import { ConflictException, NotFoundException } from '@libs/errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { TasksContract } from 'src/modules/tasks/tasks.contract';
import {
  AcceptTaskRecommendationDto,
  ListTaskRecommendationsQuery,
  TaskRecommendationDto,
  toTaskRecommendationDto,
} from './dto/task-recommendation.dto';
import { RecommendationEngine } from './recommendation-engine';
import type { TaskRecommendationEntity } from './task-recommendation.entity';
import { TaskRecommendationsRepository } from './task-recommendations.repository';

/** List, accept (→ a task through TasksContract) and dismiss the org's recommendations. */
@Injectable()
export class TaskRecommendationsService {
  constructor(
    private readonly repo: TaskRecommendationsRepository,
    private readonly engine: RecommendationEngine,
    private readonly tasks: TasksContract,
  ) {}

  async list(p: Principal, q: ListTaskRecommendationsQuery): Promise<Page<TaskRecommendationDto>> {
    await this.engine.ensureFresh(p.orgId);
    return this.repo.list(p.orgId, q, toTaskRecommendationDto);
  }

  async get(p: Principal, id: string): Promise<TaskRecommendationDto> {
    return toTaskRecommendationDto(await this.mustFind(p, id));
  }

  /**
   * Claims the recommendation (open → accepted, conditionally, so two accepts create one task),
   * then creates the task as `POST /tasks` would; if that fails the recommendation is open again.
   */
  async accept(
    p: Principal,
    id: string,
    dto: AcceptTaskRecommendationDto,
  ): Promise<{ id: string } & Record<string, unknown>> {
    const rec = await this.mustFind(p, id);
    if (!(await this.repo.decide(p.orgId, id, 'accepted', p.userId))) {
      throw this.notOpen(rec);
    }
    let task: { id: string } & Record<string, unknown>;
    try {
      task = await this.tasks.create(p, { ...rec.suggestedTask, ...(dto.overrides ?? {}) });
    } catch (err) {
      await this.repo.reopen(p.orgId, id);
      throw err;
    }
    await this.repo.setTask(p.orgId, id, task.id);
    return task;
  }

  /** open → dismissed; dismissing a dismissed one again is a no-op. */
  async dismiss(p: Principal, id: string): Promise<void> {
    const rec = await this.mustFind(p, id);
    if (rec.status === 'dismissed') {
      return;
    }
    if (!(await this.repo.decide(p.orgId, id, 'dismissed', p.userId))) {
      const now = await this.mustFind(p, id);
      if (now.status !== 'dismissed') {
        throw this.notOpen(now);
      }
    }
  }

  private notOpen(rec: TaskRecommendationEntity) {
    return new ConflictException(
      `The recommendation is already ${rec.status}`,
      { status: rec.status, task_id: rec.taskId },
      'recommendation_not_open',
    );
  }

  private async mustFind(p: Principal, id: string): Promise<TaskRecommendationEntity> {
    const rec = await this.repo.find(p.orgId, id);
    if (!rec) {
      throw new NotFoundException('Task recommendation');
    }
    return rec;
  }
}
