import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency/idempotency.interceptor';
import { ApiPageResponse } from '@libs/pagination';
import { Body, Controller, Get, Headers, HttpCode, Param, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApprovalsService } from 'src/modules/chat/approvals/approvals.service';
import { ChatStreamService } from 'src/modules/chat/conversations/chat-stream.service';
import { ConversationsService } from 'src/modules/chat/conversations/conversations.service';
import { parseLastEventId, pipeEvents, pipeLocalTurn } from 'src/modules/chat/conversations/sse';
import {
  ApprovalDto,
  CancelResponseDto,
  ConversationDetailDto,
  ConversationDto,
  CreateConversationDto,
  DecideApprovalDto,
  ListApprovalsQuery,
  ListConversationsQuery,
  ListMessagesQuery,
  ManualToolCallDto,
  MessageDto,
  SendMessageDto,
  ToolCallDto,
  UpdateConversationDto,
} from 'src/modules/chat/dto/chat.dto';
import { ToolCallsService } from 'src/modules/chat/tools/tool-calls.service';

const SSE_DOC = {
  description:
    'Server-Sent Events: message_start, content_delta, tool_call_start, approval_required, approval_resolved, tool_result, ping, error, message_end. Each frame has an `id:` (sequence within the turn).',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
};

@ApiTags('chat')
@Controller('chat/conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly stream: ChatStreamService,
    private readonly approvals: ApprovalsService,
    private readonly toolCalls: ToolCallsService,
  ) {}

  @Post()
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_create_conversation',
    summary: 'Create a conversation (supports Idempotency-Key)',
  })
  @ApiCreatedResponse({ type: ConversationDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateConversationDto): Promise<ConversationDto> {
    return this.conversations.create(p, dto);
  }

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_list_conversations',
    summary: "The caller's conversations, newest first (admins: ?all=true for the org)",
  })
  @ApiPageResponse(ConversationDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: ListConversationsQuery) {
    return this.conversations.list(p, q);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ operationId: 'chat_get_conversation', summary: 'A conversation with its pending approvals' })
  @ApiOkResponse({ type: ConversationDetailDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<ConversationDetailDto> {
    return this.conversations.get(p, id);
  }

  @Patch(':id')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_update_conversation',
    summary: 'Rename, archive or re-realm a conversation (audited)',
  })
  @ApiOkResponse({ type: ConversationDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateConversationDto,
  ): Promise<ConversationDto> {
    return this.conversations.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_delete_conversation',
    summary: 'Soft-delete a conversation; its pending approvals expire',
  })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.conversations.remove(p, id);
  }

  @Get(':id/messages')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_list_messages',
    summary: 'Messages in document order (oldest first; ?order=desc)',
  })
  @ApiPageResponse(MessageDto)
  messages(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: ListMessagesQuery) {
    return this.conversations.messages(p, id, q);
  }

  @Post(':id/messages')
  @NoIdempotency()
  @Authenticated()
  @ApiOperation({ operationId: 'chat_send_message', summary: 'Send a message; the assistant turn streams back as SSE' })
  @ApiOkResponse(SSE_DOC)
  async send(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: SendMessageDto,
    @Res() res: Response,
  ): Promise<void> {
    const started = await this.stream.send(p, id, dto);
    pipeLocalTurn(res, (listener) => this.stream.subscribeLocal(started.turn.id, listener));
  }

  @Get(':id/stream')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_stream',
    summary: 'Re-attach to the running turn (any replica; honours Last-Event-ID), or replay the last turn',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'last `id:` received; later events are sent' })
  @ApiOkResponse(SSE_DOC)
  async reattach(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const ctrl = new AbortController();
    const source = await this.stream.reattach(p, id, parseLastEventId(lastEventId), ctrl.signal);
    await pipeEvents(res, source, ctrl);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @Authenticated()
  @ApiOperation({ operationId: 'chat_cancel_turn', summary: 'Cancel the running turn (409 when none runs)' })
  @ApiAcceptedResponse({ type: CancelResponseDto })
  cancel(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<CancelResponseDto> {
    return this.conversations.cancel(p, id);
  }

  @Get(':id/approvals')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_list_conversation_approvals',
    summary: 'Approvals of a conversation (?status=pending)',
  })
  @ApiPageResponse(ApprovalDto)
  listApprovals(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: ListApprovalsQuery) {
    return this.approvals.list(p, q, id);
  }

  @Post(':id/approvals/:approval_id')
  @HttpCode(200)
  @Authenticated({ minRole: 'member' })
  @ApiOperation({
    operationId: 'chat_decide_approval',
    summary: 'Approve or deny a pending tool call ({approved, note?})',
  })
  @ApiOkResponse({ type: ApprovalDto })
  decide(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('approval_id') approvalId: string,
    @Body() dto: DecideApprovalDto,
  ): Promise<ApprovalDto> {
    return this.approvals.decide(p, approvalId, dto, id);
  }

  @Post(':id/tool-calls')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_run_tool_call',
    summary:
      'Run one connector tool through the tool gate (200 completed/failed, 202 pending_approval, 403 policy_denied; viewers: read tools only)',
  })
  @ApiOkResponse({ type: ToolCallDto })
  @ApiAcceptedResponse({ type: ToolCallDto, description: 'pending_approval: poll GET .../tool-calls/:tool_call_id' })
  async runToolCall(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: ManualToolCallDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const out = await this.toolCalls.run(p, id, dto);
    res.status(out.status);
    return out.body;
  }

  @Get(':id/tool-calls/:tool_call_id')
  @Authenticated()
  @ApiOperation({
    operationId: 'chat_get_tool_call',
    summary: 'State of a tool call (pending_approval|running|completed|failed|denied|expired)',
  })
  @ApiOkResponse({ type: ToolCallDto })
  getToolCall(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('tool_call_id') toolCallId: string,
  ): Promise<ToolCallDto> {
    return this.toolCalls.get(p, id, toolCallId);
  }
}
