import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Post } from '@libs/http';
import { ApiPageResponse } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApprovalDto, DecideApprovalDto, ListApprovalsQuery } from 'src/modules/chat/dto/chat.dto';
import { ApprovalsService } from './approvals.service';

/** Org-wide approvals inbox (runs without a live client: agent runs, inbound webhooks, manual calls). */
@ApiTags('chat')
@Controller('chat/approvals')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_list_approvals',
    summary: 'Approvals inbox of the org (members: their own conversations), ?status=pending',
  })
  @ApiPageResponse(ApprovalDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListApprovalsQuery) {
    return this.approvals.list(p, q);
  }

  @Get(':approval_id')
  @Authenticated()
  @ApiOperation({ operationId: 'chat_get_approval', summary: 'One approval' })
  @ApiOkResponse({ type: ApprovalDto })
  get(@CurrentPrincipal() p: Principal, @Param('approval_id') id: string): Promise<ApprovalDto> {
    return this.approvals.get(p, id);
  }

  @Post(':approval_id')
  @HttpCode(200)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'chat_decide_approval_org',
    summary: 'Approve or deny any approval of the org ({approved, note?})',
  })
  @ApiOkResponse({ type: ApprovalDto })
  decide(
    @CurrentPrincipal() p: Principal,
    @Param('approval_id') id: string,
    @Body() dto: DecideApprovalDto,
  ): Promise<ApprovalDto> {
    return this.approvals.decide(p, id, dto);
  }
}
