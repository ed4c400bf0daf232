import { NoAudit } from '@libs/audit/audit.decorators';
import { ReqMeta, type RequestMeta } from '@libs/audit/request-meta';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query, Redirect, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  CreateSourceDto,
  ExecuteToolDto,
  HistoryQuery,
  ListJobsQuery,
  ListSourcesQuery,
  OAuthStartDto,
  SyncRequestDto,
  UpdateSourceDto,
  ValidateSourceDto,
} from './dto/source-request.dto';
import {
  ConnectorTypeDto,
  JobDto,
  OAuthStartResponseDto,
  SourceDto,
  SourceToolDto,
  SyncHistoryDto,
  ToolResultDto,
  ValidateResultDto,
} from './dto/source-response.dto';
import { SourcesOAuthService } from './oauth.service';
import { SourcesService } from './sources.service';
import { SyncService } from './sync.service';

const meta = (m: RequestMeta) => ({ requestId: m.requestId ?? undefined, ip: m.ip ?? undefined });
const actor = (p: Principal) => ({ userId: p.userId, email: p.email, apiKeyId: p.apiKeyId });

@ApiTags('sources')
@Controller('sources/oauth')
export class SourcesOAuthController {
  constructor(private readonly oauth: SourcesOAuthService) {}

  @Post(':provider/start')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'sources_oauth_start',
    summary: 'Start an OAuth connect flow; returns the provider authorize URL',
    description:
      'Also sets an HttpOnly cookie (path `/api/v1/sources/oauth`, 10 minutes) that binds the flow to this browser: the callback completes only where it is presented (a browser client calls this with `credentials: "include"`).',
  })
  @ApiOkResponse({ type: OAuthStartResponseDto })
  async start(
    @CurrentPrincipal() p: Principal,
    @Param('provider') provider: string,
    @Body() dto: OAuthStartDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OAuthStartResponseDto> {
    const { body, binding } = await this.oauth.start(p, provider, dto);
    res.cookie(binding.name, binding.value, binding.options);
    return body;
  }

  @Get(':provider/callback')
  @Public()
  @Redirect()
  @ApiOperation({
    operationId: 'sources_oauth_callback',
    summary: 'OAuth redirect target; 302 to the console with ?connected= or ?error=',
  })
  @ApiFoundResponse({ description: 'Redirect to the admin console' })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'error', required: false })
  async callback(
    @Req() req: Request,
    @Param('provider') provider: string,
    @Query('code') code?: string,
    @Query('state') state?: string,
    @Query('error') error?: string,
  ): Promise<{ url: string; statusCode: number }> {
    return { url: await this.oauth.callback(provider, { code, state, error }, req.headers.cookie), statusCode: 302 };
  }
}

@ApiTags('sources')
@Controller('sources')
export class SourcesController {
  constructor(
    private readonly sources: SourcesService,
    private readonly sync: SyncService,
  ) {}

  @Get('types')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_types', summary: 'Connector type catalog with config schemas' })
  @ApiPageResponse(ConnectorTypeDto)
  types(): Page<ConnectorTypeDto> {
    const items = this.sources.types();
    return { items, next_cursor: null, total: items.length };
  }

  @Post('validate')
  @HttpCode(200)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'sources_validate_config', summary: 'Validate an unsaved {source_type, config}' })
  @ApiOkResponse({ type: ValidateResultDto })
  validate(@CurrentPrincipal() p: Principal, @Body() dto: ValidateSourceDto): Promise<ValidateResultDto> {
    return this.sources.validateUnsaved(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'sources_list', summary: "List the org's sources" })
  @ApiPageResponse(SourceDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListSourcesQuery): Promise<Page<SourceDto>> {
    return this.sources.list(p, q);
  }

  @Post()
  @NoAudit()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'sources_create', summary: 'Create a source (validates the config first)' })
  @ApiCreatedResponse({ type: SourceDto })
  create(
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateSourceDto,
    @ReqMeta() m: RequestMeta,
  ): Promise<SourceDto> {
    return this.sources.create(p, dto, meta(m));
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_get', summary: 'One source' })
  @ApiOkResponse({ type: SourceDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<SourceDto> {
    return this.sources.get(p, id);
  }

  @Patch(':id')
  @NoAudit()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'sources_update',
    summary: 'Update name/config/realm/schedule/enabled (config is merged; "***" keeps a secret)',
  })
  @ApiOkResponse({ type: SourceDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateSourceDto,
    @ReqMeta() m: RequestMeta,
  ): Promise<SourceDto> {
    return this.sources.update(p, id, dto, meta(m));
  }

  @Delete(':id')
  @HttpCode(204)
  @NoAudit()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'sources_delete', summary: 'Delete a source (its graph data is archived)' })
  @ApiNoContentResponse()
  remove(@CurrentPrincipal() p: Principal, @Param('id') id: string, @ReqMeta() m: RequestMeta): Promise<void> {
    return this.sources.remove(p, id, meta(m));
  }

  @Post(':id/validate')
  @HttpCode(200)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'sources_validate', summary: 'Re-validate a stored source' })
  @ApiOkResponse({ type: ValidateResultDto })
  validateStored(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<ValidateResultDto> {
    return this.sources.validateStored(p, id);
  }

  @Post(':id/sync')
  @HttpCode(202)
  @NoAudit()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'sources_sync',
    summary: 'Start a sync job (409 sync_in_progress while one is queued or running)',
  })
  @ApiAcceptedResponse({ type: JobDto })
  async startSync(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: SyncRequestDto,
    @ReqMeta() m: RequestMeta,
  ): Promise<JobDto> {
    return this.sync.start(await this.sources.requireSource(p.orgId, id), actor(p), {
      mode: dto.mode,
      trigger: 'manual',
      ...meta(m),
    });
  }

  @Get(':id/jobs')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_jobs', summary: 'Sync jobs of a source' })
  @ApiPageResponse(JobDto)
  async jobs(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: ListJobsQuery,
  ): Promise<Page<JobDto>> {
    await this.sources.requireSource(p.orgId, id);
    return this.sync.listJobs(p.orgId, { sourceId: id, status: q.status }, q, 'source-jobs');
  }

  @Get(':id/jobs/:job_id')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_job', summary: 'One sync job with stats and error' })
  @ApiOkResponse({ type: JobDto })
  async job(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('job_id') jobId: string,
  ): Promise<JobDto> {
    await this.sources.requireSource(p.orgId, id);
    return this.sync.getJob(p.orgId, jobId, id);
  }

  @Post(':id/jobs/:job_id/cancel')
  @HttpCode(200)
  @NoAudit()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'sources_job_cancel',
    summary: 'Cancel a queued or running job (nothing of it is published)',
  })
  @ApiOkResponse({ type: JobDto })
  async cancel(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('job_id') jobId: string,
  ): Promise<JobDto> {
    await this.sources.requireSource(p.orgId, id);
    return this.sync.cancel(p.orgId, id, jobId, actor(p));
  }

  @Get(':id/history')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_history', summary: 'Sync history: runs per day plus a summary' })
  @ApiOkResponse({ type: SyncHistoryDto })
  async history(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: HistoryQuery,
  ): Promise<SyncHistoryDto> {
    return this.sync.history(p.orgId, await this.sources.requireSource(p.orgId, id), q);
  }

  @Get(':id/sync-history')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_sync_history', summary: 'Alias of /sources/:id/history' })
  @ApiOkResponse({ type: SyncHistoryDto })
  async syncHistory(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: HistoryQuery,
  ): Promise<SyncHistoryDto> {
    return this.sync.history(p.orgId, await this.sources.requireSource(p.orgId, id), q);
  }

  @Get(':id/tools')
  @Authenticated()
  @ApiOperation({ operationId: 'sources_tools', summary: 'Tools this source exposes, with their qualified names' })
  @ApiPageResponse(SourceToolDto)
  async tools(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<Page<SourceToolDto>> {
    const items = await this.sources.tools(p, id);
    return { items, next_cursor: null, total: items.length };
  }

  @Post(':id/tools/:tool/execute')
  @HttpCode(200)
  @NoAudit()
  @Authenticated()
  @ApiOperation({
    operationId: 'sources_tool_execute',
    summary:
      'Run a tool the tool gate allows without approval (viewers: read tools only); 403 approval_required or policy_denied otherwise',
  })
  @ApiOkResponse({ type: ToolResultDto })
  execute(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('tool') tool: string,
    @Body() dto: ExecuteToolDto,
    @ReqMeta() m: RequestMeta,
  ): Promise<ToolResultDto> {
    return this.sources.executeTool(p, id, tool, dto.args ?? {}, meta(m));
  }
}
