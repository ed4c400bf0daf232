import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional } from 'class-validator';
import {
  RECOMMENDATION_SOURCES,
  RECOMMENDATION_STATUSES,
  type TaskRecommendationEntity,
} from '../task-recommendation.entity';

export class ListTaskRecommendationsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RECOMMENDATION_STATUSES })
  @IsOptional()
  @IsIn(RECOMMENDATION_STATUSES)
  status?: (typeof RECOMMENDATION_STATUSES)[number];
}

export class AcceptTaskRecommendationDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Fields of the `POST /tasks` body replacing those of `suggested_task` (top level, e.g. `name`, `trigger`, `enabled`); the result is validated as `POST /tasks`',
    example: { name: 'Nightly people check', trigger: { kind: 'schedule', cron: '0 2 * * *' } },
  })
  @IsOptional()
  @IsObject()
  overrides?: Record<string, unknown>;
}

export class TaskRecommendationDto {
  @ApiProperty({ example: 'rec_6f1c…' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() rationale: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'a `POST /tasks` body' })
  suggested_task: Record<string, unknown>;
  @ApiProperty({ minimum: 0, maximum: 1 }) score: number;
  @ApiProperty({ enum: RECOMMENDATION_SOURCES }) source: string;
  @ApiProperty({ enum: RECOMMENDATION_STATUSES }) status: string;
  @ApiProperty({ type: String, nullable: true, description: 'the task created on accept' }) task_id: string | null;
  @ApiProperty() created_at: string;
}

export function toTaskRecommendationDto(e: TaskRecommendationEntity): TaskRecommendationDto {
  return {
    id: e.id,
    title: e.title,
    rationale: e.rationale,
    suggested_task: e.suggestedTask,
    score: e.score,
    source: e.source,
    status: e.status,
    task_id: e.taskId,
    created_at: e.createdAt.toISOString(),
  };
}
