import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { NotFoundException } from '@libs/errors';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ActivityService } from './activity.service';
import { ActivityItemDto, AuditEntryDto, AuditQuery } from './dto/activity.dto';

@ApiTags('activity')
@Controller('activity')
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'activity_feed', summary: 'Activity feed of your org (newest first)' })
  @ApiPageResponse(ActivityItemDto)
  feed(@CurrentPrincipal() p: Principal, @Query() q: AuditQuery): Promise<Page<ActivityItemDto>> {
    return this.activity.feed(p, q);
  }

  @Get('audit')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'activity_audit', summary: 'Audit log of your org (admin+)' })
  @ApiPageResponse(AuditEntryDto)
  audit(@CurrentPrincipal() p: Principal, @Query() q: AuditQuery): Promise<Page<AuditEntryDto>> {
    return this.activity.audit(p, q);
  }

  @Get('audit/:id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'activity_audit_entry', summary: 'One audit entry (admin+)' })
  @ApiOkResponse({ type: AuditEntryDto })
  auditEntry(
    @CurrentPrincipal() p: Principal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new NotFoundException('Audit entry') })) id: string,
  ): Promise<AuditEntryDto> {
    return this.activity.auditEntry(p, id);
  }
}
