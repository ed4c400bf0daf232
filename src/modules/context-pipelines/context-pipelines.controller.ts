import { AuditAction, NoAudit } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, Headers, HttpCode, Param, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ContextIngestService } from './context-ingest.service';
import { ContextPipelinesService } from './context-pipelines.service';
import {
  ContextPipelineDto,
  ContextPipelineRunDto,
  ContextTokenCreatedDto,
  ContextTokenDto,
  CreateContextPipelineDto,
  CreateContextTokenDto,
  IngestResultDto,
  UpdateContextPipelineDto,
} from './dto/context-pipeline.dto';

@ApiTags('context-pipelines')
@Controller('context/pipelines')
export class ContextPipelinesController {
  constructor(
    private readonly pipelines: ContextPipelinesService,
    private readonly ingestion: ContextIngestService,
  ) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @AuditAction('context_pipelines.create', 'api', 'context_pipeline')
  @ApiOperation({ operationId: 'context_pipelines_create', summary: 'Create a continuous-ingest pipeline' })
  @ApiCreatedResponse({ type: ContextPipelineDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateContextPipelineDto): Promise<ContextPipelineDto> {
    return this.pipelines.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'context_pipelines_list', summary: "List the org's context pipelines" })
  @ApiPageResponse(ContextPipelineDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<Page<ContextPipelineDto>> {
    return this.pipelines.list(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'context_pipelines_get', summary: 'One context pipeline' })
  @ApiOkResponse({ type: ContextPipelineDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<ContextPipelineDto> {
    return this.pipelines.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @AuditAction('context_pipelines.update', 'api', 'context_pipeline')
  @ApiOperation({ operationId: 'context_pipelines_update', summary: 'Rename, re-realm, enable/disable a pipeline' })
  @ApiOkResponse({ type: ContextPipelineDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateContextPipelineDto,
  ): Promise<ContextPipelineDto> {
    return this.pipelines.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('context_pipelines.delete', 'api', 'context_pipeline')
  @ApiOperation({ operationId: 'context_pipelines_delete', summary: 'Delete a pipeline, its tokens, runs and events' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.pipelines.remove(p, id);
  }

  @Post(':id/tokens')
  @Authenticated({ minRole: 'admin' })
  @NoIdempotency()
  @AuditAction('context_pipelines.token_create', 'api', 'context_pipeline')
  @ApiOperation({
    operationId: 'context_pipelines_token_create',
    summary: 'Issue an ingest token (shown only in this response, with the URL and a sample curl)',
    description: 'Not replayable with Idempotency-Key: the token is never stored.',
  })
  @ApiCreatedResponse({ type: ContextTokenCreatedDto })
  createToken(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: CreateContextTokenDto,
  ): Promise<ContextTokenCreatedDto> {
    return this.pipelines.createToken(p, id, dto);
  }

  @Get(':id/tokens')
  @Authenticated()
  @ApiOperation({ operationId: 'context_pipelines_token_list', summary: "A pipeline's tokens (no secrets)" })
  @ApiPageResponse(ContextTokenDto)
  listTokens(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: PageQuery,
  ): Promise<Page<ContextTokenDto>> {
    return this.pipelines.listTokens(p, id, q);
  }

  @Delete(':id/tokens/:tokenId')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @AuditAction('context_pipelines.token_revoke', 'api', 'context_pipeline')
  @ApiOperation({ operationId: 'context_pipelines_token_revoke', summary: 'Revoke a token (effective immediately)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  async revokeToken(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('tokenId') tokenId: string,
  ): Promise<void> {
    await this.pipelines.revokeToken(p, id, tokenId);
  }

  @Get(':id/runs')
  @Authenticated()
  @ApiOperation({ operationId: 'context_pipelines_runs', summary: 'Ingest counts per 1-minute window, newest first' })
  @ApiPageResponse(ContextPipelineRunDto)
  runs(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Query() q: PageQuery,
  ): Promise<Page<ContextPipelineRunDto>> {
    return this.pipelines.runs(p, id, q);
  }

  @Post(':id/ingest')
  @Public()
  @NoIdempotency()
  @NoAudit()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'context_pipelines_ingest',
    summary: 'Send NDJSON records (Authorization: Bearer ctx_…); one line = one record',
    description:
      'Limits CONTEXT_INGEST_MAX_BYTES / CONTEXT_INGEST_MAX_LINES (413); 429 with Retry-After when the pipeline has too many requests in flight. Bad lines are listed by line number; good lines are kept.',
  })
  @ApiConsumes('application/x-ndjson')
  @ApiBody({ schema: { type: 'string', example: '{"ts":"2026-04-30T12:00:00Z","type":"login","user":"u1"}\n' } })
  @ApiHeader({ name: 'X-Agentcy-Signature', required: false, description: 'sha256=<hex HMAC-SHA256(secret, body)>' })
  @ApiAcceptedResponse({ type: IngestResultDto })
  ingest(
    @Param('id') id: string,
    @Req() req: Request,
    @Headers('authorization') authorization: string | undefined,
    @Headers('x-agentcy-signature') signature: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<IngestResultDto> {
    return this.ingestion.ingest({ pipelineId: id, authorization, signature, contentLength, contentType, body: req });
  }
}
