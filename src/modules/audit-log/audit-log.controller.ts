import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { RequiresFeature } from '@libs/features';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Controller, Get, Headers, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuditEntryDto } from 'src/modules/activity/dto/activity.dto';
import { parseLastSeq, sendCsv, SseResponseSink } from './audit-http';
import { AuditLogService } from './audit-log.service';
import { AuditStreamService } from './audit-stream.service';
import { AuditFilterQuery, ChainReportDto, PolicyAuditQuery } from './dto/audit-log.dto';

/** Routes are declared before `audit/:id` (and the module before PoliciesModule, for `/policies/:id`). */
@ApiTags('policies')
@RequiresFeature('policies')
@Controller('policies')
export class AuditLogController {
  constructor(
    private readonly audit: AuditLogService,
    private readonly stream: AuditStreamService,
  ) {}

  @Get('audit')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'policies_audit_list', summary: 'Audit entries of your org, newest first (admin+)' })
  @ApiPageResponse(AuditEntryDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PolicyAuditQuery): Promise<Page<AuditEntryDto>> {
    return this.audit.list(p, q);
  }

  @Get('audit.csv')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'policies_audit_export',
    summary: 'CSV export of the matching audit entries, oldest first, streamed (admin+)',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ content: { 'text/csv': { schema: { type: 'string' } } }, description: 'CSV (RFC 4180)' })
  async exportCsv(@CurrentPrincipal() p: Principal, @Query() q: AuditFilterQuery, @Res() res: Response): Promise<void> {
    await sendCsv(res, this.audit.csv(p, q), 'audit.csv');
  }

  @Get('audit/verify')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'policies_audit_verify',
    summary: "Walk your org's hash chain from its latest checkpoint and report the first broken link (admin+)",
  })
  @ApiOkResponse({ type: ChainReportDto })
  verify(@CurrentPrincipal() p: Principal): Promise<ChainReportDto> {
    return this.audit.verify(p);
  }

  @Get('audit/stream')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'policies_audit_stream',
    summary: 'SSE of new audit entries (`event: audit`, `id: <seq>`; pings every 15 s) (admin+)',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'seq of the last entry received; resumes after it',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ content: { 'text/event-stream': { schema: { type: 'string' } } }, description: 'SSE' })
  async follow(
    @CurrentPrincipal() p: Principal,
    @Query() q: AuditFilterQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await this.stream.follow(p, q, parseLastSeq(lastEventId), new SseResponseSink(res));
  }

  @Get('audit/:id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'policies_audit_get', summary: 'One audit entry (admin+)' })
  @ApiOkResponse({ type: AuditEntryDto })
  get(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Audit entry') })) id: string,
  ): Promise<AuditEntryDto> {
    return this.audit.get(p, id);
  }
}
