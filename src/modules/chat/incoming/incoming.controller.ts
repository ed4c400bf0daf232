import { Authenticated, CurrentCaller, CurrentPrincipal, Signed } from '@libs/auth/auth.decorators';
import type { Principal, ServiceCaller } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse, PageQuery } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  CreateIncomingEndpointDto,
  IncomingAcceptedDto,
  IncomingEndpointDto,
  IncomingEndpointWithSecretDto,
  IncomingMessageDto,
  IncomingReplyDto,
  UpdateIncomingEndpointDto,
} from 'src/modules/chat/dto/incoming.dto';
import { IncomingService } from 'src/modules/chat/incoming/incoming.service';

/** `/chat/incoming/:endpoint_id`: inbound chat webhooks (forms, webchat, providers), shared-secret auth. */
@ApiTags('chat')
@Controller('chat/incoming')
export class IncomingController {
  constructor(private readonly incoming: IncomingService) {}

  @Post(':endpoint_id')
  @Signed('shared_secret')
  @ApiOperation({
    operationId: 'chat_incoming_message',
    summary: 'Run the agent on an inbound message; 200 with the reply (202 if it takes over 60 s)',
  })
  @ApiOkResponse({ type: IncomingReplyDto })
  @ApiAcceptedResponse({ type: IncomingAcceptedDto })
  async receive(
    @CurrentCaller() caller: ServiceCaller,
    @Param('endpoint_id') id: string,
    @Body() dto: IncomingMessageDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IncomingReplyDto | IncomingAcceptedDto> {
    const r = await this.incoming.receive(caller, id, dto);
    if ('dropped' in r) {
      res.status(202);
      return { accepted: true, routed: false };
    }
    const binding = r.bindingId ? { binding_id: r.bindingId } : {};
    if (!r.done) {
      res.status(202);
      return { accepted: true, conversation_id: r.conversationId, turn_id: r.turnId, ...binding };
    }
    res.status(200);
    const o = r.outcome;
    return {
      ...binding,
      conversation_id: o.conversationId,
      turn_id: o.turnId,
      message: { id: o.messageId, content: o.content, finish_reason: o.finishReason },
      reply: o.content,
      tool_calls: o.toolCalls,
      usage: o.usage as unknown as IncomingReplyDto['usage'],
    };
  }
}

@ApiTags('chat')
@Controller('chat/incoming-endpoints')
export class IncomingEndpointsController {
  constructor(private readonly incoming: IncomingService) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'chat_create_incoming_endpoint',
    summary: 'Create an inbound chat endpoint; the secret is shown once',
  })
  @ApiCreatedResponse({ type: IncomingEndpointWithSecretDto })
  create(
    @CurrentPrincipal() p: Principal,
    @Body() dto: CreateIncomingEndpointDto,
  ): Promise<IncomingEndpointWithSecretDto> {
    return this.incoming.create(p, dto);
  }

  @Get()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'chat_list_incoming_endpoints' })
  @ApiPageResponse(IncomingEndpointDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery) {
    return this.incoming.list(p, q);
  }

  @Get(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'chat_get_incoming_endpoint' })
  @ApiOkResponse({ type: IncomingEndpointDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<IncomingEndpointDto> {
    return this.incoming.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'chat_update_incoming_endpoint' })
  @ApiOkResponse({ type: IncomingEndpointDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateIncomingEndpointDto,
  ): Promise<IncomingEndpointDto> {
    return this.incoming.update(p, id, dto);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'chat_rotate_incoming_endpoint_secret',
    summary: 'New secret (shown once); the old one stops working',
  })
  @ApiOkResponse({ type: IncomingEndpointWithSecretDto })
  rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<IncomingEndpointWithSecretDto> {
    return this.incoming.rotate(p, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'chat_delete_incoming_endpoint' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.incoming.remove(p, id);
  }
}
