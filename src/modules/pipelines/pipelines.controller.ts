import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  CreatePipelineDto,
  PipelineDto,
  PipelineRunDto,
  RevertPipelineDto,
  RevertResultDto,
  UpdatePipelineDto,
} from './dto/pipeline.dto';
import { PipelinesService } from './pipelines.service';

@ApiTags('pipelines')
@Controller('pipelines')
export class PipelinesController {
  constructor(private readonly pipelines: PipelinesService) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.create', 'api', 'pipeline')
  @ApiOperation({ operationId: 'pipelines_create', summary: 'Create a connector-driven pipeline (version 1)' })
  @ApiCreatedResponse({ type: PipelineDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreatePipelineDto): Promise<PipelineDto> {
    return this.pipelines.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'pipelines_list', summary: "List the org's pipelines" })
  @ApiPageResponse(PipelineDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<Page<PipelineDto>> {
    return this.pipelines.list(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'pipelines_get', summary: 'One pipeline' })
  @ApiOkResponse({ type: PipelineDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<PipelineDto> {
    return this.pipelines.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.update', 'api', 'pipeline')
  @ApiOperation({ operationId: 'pipelines_update', summary: 'Change a pipeline (bumps its version)' })
  @ApiOkResponse({ type: PipelineDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdatePipelineDto,
  ): Promise<PipelineDto> {
    return this.pipelines.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.delete', 'api', 'pipeline')
  @ApiOperation({
    operationId: 'pipelines_delete',
    summary: 'Delete a pipeline and its runs (409 while a run is active)',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.pipelines.remove(p, id);
  }

  @Post(':id/runs')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.run', 'api', 'pipeline')
  @ApiOperation({ operationId: 'pipelines_run', summary: 'Start a run (409 run_in_progress while one is active)' })
  @ApiAcceptedResponse({ type: PipelineRunDto })
  run(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<PipelineRunDto> {
    return this.pipelines.startRun(p, id);
  }

  @Get(':id/runs')
  @Authenticated()
  @ApiOperation({ operationId: 'pipelines_runs', summary: 'Runs of a pipeline, newest first' })
  @ApiPageResponse(PipelineRunDto)
  runs(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: PageQuery,
  ): Promise<Page<PipelineRunDto>> {
    return this.pipelines.listRuns(p, id, q);
  }

  @Get(':id/runs/:run_id')
  @Authenticated()
  @ApiOperation({ operationId: 'pipelines_run_get', summary: 'One run with per-step status and stats' })
  @ApiOkResponse({ type: PipelineRunDto })
  getRun(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('run_id') runId: string,
  ): Promise<PipelineRunDto> {
    return this.pipelines.getRun(p, id, runId);
  }

  @Post(':id/runs/:run_id/retry')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.retry', 'api', 'pipeline')
  @ApiOperation({
    operationId: 'pipelines_run_retry',
    summary: 'Run a failed or cancelled run again (same definition)',
  })
  @ApiAcceptedResponse({ type: PipelineRunDto })
  retry(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('run_id') runId: string,
  ): Promise<PipelineRunDto> {
    return this.pipelines.retry(p, id, runId);
  }

  @Post(':id/runs/:run_id/cancel')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.cancel', 'api', 'pipeline')
  @ApiOperation({ operationId: 'pipelines_run_cancel', summary: 'Cancel an active run (409 run_not_active otherwise)' })
  @ApiOkResponse({ type: PipelineRunDto })
  cancel(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('run_id') runId: string,
  ): Promise<PipelineRunDto> {
    return this.pipelines.cancel(p, id, runId);
  }

  @Post(':id/revert')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('pipelines.revert', 'api', 'pipeline')
  @ApiOperation({
    operationId: 'pipelines_revert',
    summary: 'Restore the graph state of an earlier succeeded run (409 revert_window_expired past retention_days)',
  })
  @ApiOkResponse({ type: RevertResultDto })
  revert(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: RevertPipelineDto,
  ): Promise<RevertResultDto> {
    return this.pipelines.revert(p, id, dto.to_run_id);
  }
}
