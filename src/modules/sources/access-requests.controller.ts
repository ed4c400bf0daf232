import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { ApiPageResponse, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessRequestsService } from './access-requests.service';
import { AccessRequestDto, DecideAccessRequestDto, ListAccessRequestsQuery } from './dto/access-request.dto';

/** Requests for connector access opened from the chat (`request_connector_access`); admins decide. */
@ApiTags('sources')
@Controller('sources/access-requests')
export class AccessRequestsController {
  constructor(private readonly requests: AccessRequestsService) {}

  @Get()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'sources_access_requests_list',
    summary: 'Connector access requests of the org, newest first (?status=pending)',
  })
  @ApiPageResponse(AccessRequestDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListAccessRequestsQuery): Promise<Page<AccessRequestDto>> {
    return this.requests.list(p, q);
  }

  @Get(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'sources_access_requests_get', summary: 'One access request' })
  @ApiOkResponse({ type: AccessRequestDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<AccessRequestDto> {
    return this.requests.get(p, id);
  }

  @Post(':id/grant')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'sources_access_requests_grant', summary: 'Grant a pending request (409 once decided)' })
  @ApiOkResponse({ type: AccessRequestDto })
  grant(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: DecideAccessRequestDto,
  ): Promise<AccessRequestDto> {
    return this.requests.decide(p, id, 'granted', dto);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'sources_access_requests_reject',
    summary: 'Reject a pending request (409 once decided)',
  })
  @ApiOkResponse({ type: AccessRequestDto })
  reject(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: DecideAccessRequestDto,
  ): Promise<AccessRequestDto> {
    return this.requests.decide(p, id, 'rejected', dto);
  }
}
