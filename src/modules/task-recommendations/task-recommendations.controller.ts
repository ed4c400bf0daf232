import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TaskDto } from 'src/modules/tasks/dto/task.dto';
import {
  AcceptTaskRecommendationDto,
  ListTaskRecommendationsQuery,
  TaskRecommendationDto,
} from './dto/task-recommendation.dto';
import { TaskRecommendationsService } from './task-recommendations.service';

/** Tasks suggested from the org's sources, syncs, approvals and tools; admins accept or dismiss them. */
@ApiTags('task-recommendations')
@Controller('task-recommendations')
export class TaskRecommendationsController {
  constructor(private readonly recommendations: TaskRecommendationsService) {}

  @Get()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'task_recommendations_list',
    summary: 'Suggested tasks, newest first (?status=open|accepted|dismissed); recomputed when stale',
  })
  @ApiPageResponse(TaskRecommendationDto)
  list(
    @CurrentPrincipal() p: Principal,
    @Query() q: ListTaskRecommendationsQuery,
  ): Promise<Page<TaskRecommendationDto>> {
    return this.recommendations.list(p, q);
  }

  @Get(':id')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'task_recommendations_get', summary: 'One suggested task' })
  @ApiOkResponse({ type: TaskRecommendationDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<TaskRecommendationDto> {
    return this.recommendations.get(p, id);
  }

  @Post(':id/accept')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('task_recommendations.accept', 'api', 'task_recommendation')
  @ApiOperation({
    operationId: 'task_recommendations_accept',
    summary: 'Create the suggested task (with overrides); 409 when no longer open',
  })
  @ApiCreatedResponse({ type: TaskDto, description: 'The created task, as `POST /tasks` answers' })
  accept(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: AcceptTaskRecommendationDto,
  ): Promise<Record<string, unknown>> {
    return this.recommendations.accept(p, id, dto);
  }

  @Post(':id/dismiss')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('task_recommendations.dismiss', 'api', 'task_recommendation')
  @ApiOperation({
    operationId: 'task_recommendations_dismiss',
    summary: 'Hide the suggestion; it is not suggested again for the same subject',
  })
  @ApiNoContentResponse({ description: 'Dismissed' })
  async dismiss(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.recommendations.dismiss(p, id);
  }
}
