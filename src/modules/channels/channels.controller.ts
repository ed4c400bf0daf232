import { NoAudit } from '@libs/audit';
import { Authenticated, CurrentPrincipal, Public } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Post } from '@libs/http';
import { NoIdempotency } from '@libs/idempotency';
import { ApiPageResponse, PageQuery } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ChannelInboundService, type InboundRequest } from './channel-inbound.service';
import { ChannelsService } from './channels.service';
import {
  ChannelDto,
  ChannelInboundResultDto,
  ChannelTestResultDto,
  ConfigureChannelDto,
  EmailChannelMessageDto,
  ReloadResultDto,
  TestChannelDto,
  WebhookChannelMessageDto,
  WhatsappQrStartDto,
  WhatsappQrStatusDto,
  WhatsappQrStatusQuery,
  WhatsappUnpairDto,
} from './dto/channels.dto';
import { WhatsappPairingService } from './whatsapp-pairing.service';

/** `/channels`: catalog, configure, delete, test, reload; WhatsApp QR pairing (needs a gateway). */
@ApiTags('channels')
@Controller('channels')
export class ChannelsController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly pairing: WhatsappPairingService,
  ) {}

  @Get()
  @Authenticated()
  @ApiOperation({ operationId: 'channels_list', summary: 'Every channel kind with the org configuration state' })
  @ApiPageResponse(ChannelDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery) {
    return this.channels.list(p, q);
  }

  @Post('reload')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'channels_reload', summary: 'Re-read every channel configuration' })
  @ApiAcceptedResponse({ type: ReloadResultDto })
  reload(@CurrentPrincipal() p: Principal): Promise<ReloadResultDto> {
    return this.channels.reload(p);
  }

  @Post('whatsapp/qr/start')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'channels_whatsapp_qr_start',
    summary: 'Start QR pairing through the WhatsApp gateway; cancels the pending session of the org',
  })
  @ApiOkResponse({ type: WhatsappQrStartDto })
  @ApiServiceUnavailableResponse({ description: '`sidecar_unavailable` (no gateway configured or reachable)' })
  qrStart(@CurrentPrincipal() p: Principal): Promise<WhatsappQrStartDto> {
    return this.pairing.start(p);
  }

  @Get('whatsapp/qr/status')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'channels_whatsapp_qr_status',
    summary: 'QR pairing status: pending, connected, expired',
  })
  @ApiOkResponse({ type: WhatsappQrStatusDto })
  @ApiServiceUnavailableResponse({ description: '`sidecar_unavailable`' })
  qrStatus(@CurrentPrincipal() p: Principal, @Query() q: WhatsappQrStatusQuery): Promise<WhatsappQrStatusDto> {
    return this.pairing.status(p, q.session_id);
  }

  @Post('whatsapp/unpair')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'channels_whatsapp_unpair',
    summary: 'Log the linked device out; the channel stays configured, inactive',
  })
  @ApiOkResponse({ type: WhatsappUnpairDto })
  @ApiServiceUnavailableResponse({ description: '`sidecar_unavailable`' })
  unpair(@CurrentPrincipal() p: Principal): Promise<WhatsappUnpairDto> {
    return this.pairing.unpair(p);
  }

  @Get(':name')
  @Authenticated()
  @ApiOperation({ operationId: 'channels_get' })
  @ApiOkResponse({ type: ChannelDto })
  get(@CurrentPrincipal() p: Principal, @Param('name') name: string): Promise<ChannelDto> {
    return this.channels.get(p, name);
  }

  @Post(':name/configure')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'channels_configure', summary: 'Set the channel fields; secret fields are write-only' })
  @ApiOkResponse({ type: ChannelDto })
  configure(
    @CurrentPrincipal() p: Principal,
    @Param('name') name: string,
    @Body() dto: ConfigureChannelDto,
  ): Promise<ChannelDto> {
    return this.channels.configure(p, name, dto.fields);
  }

  @Post(':name/test')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'channels_test',
    summary: 'Check the credentials (Slack auth.test); optionally send a message',
  })
  @ApiOkResponse({ type: ChannelTestResultDto })
  test(
    @CurrentPrincipal() p: Principal,
    @Param('name') name: string,
    @Body() dto: TestChannelDto,
  ): Promise<ChannelTestResultDto> {
    return this.channels.test(p, name, dto);
  }

  @Delete(':name')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'channels_delete', summary: 'Remove the configuration; bindings are kept' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() p: Principal, @Param('name') name: string): Promise<void> {
    await this.channels.remove(p, name);
  }
}

const inbound = (req: Request): InboundRequest => ({
  rawBody: (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0),
  header: (n) => req.header(n),
});

/** Provider-facing endpoints: public, each request checked against the channel's signing secret. */
@ApiTags('channels')
@Controller('channels')
export class ChannelInboundController {
  constructor(private readonly inbound: ChannelInboundService) {}

  @Post('slack/:channel_id/events')
  @Public()
  @NoIdempotency()
  @NoAudit()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'channels_slack_events',
    summary: 'Slack Events API request URL (X-Slack-Signature checked; url_verification answered)',
  })
  @ApiHeader({ name: 'X-Slack-Signature', required: true })
  @ApiHeader({ name: 'X-Slack-Request-Timestamp', required: true })
  @ApiOkResponse({ type: ChannelInboundResultDto })
  slack(@Param('channel_id') id: string, @Req() req: Request) {
    return this.inbound.slackEvent(id, inbound(req));
  }

  @Post('whatsapp/:channel_id/events')
  @Public()
  @NoIdempotency()
  @NoAudit()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'channels_whatsapp_events',
    summary: 'Events of the WhatsApp gateway sidecar (signed with WHATSAPP_GATEWAY_SIGNING_SECRET)',
  })
  @ApiHeader({ name: 'X-Agentcy-Timestamp', required: true, description: 'unix seconds' })
  @ApiHeader({
    name: 'X-Agentcy-Signature',
    required: true,
    description: 'sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>',
  })
  @ApiOkResponse({ type: ChannelInboundResultDto })
  whatsapp(@Param('channel_id') id: string, @Req() req: Request): Promise<ChannelInboundResultDto> {
    return this.inbound.whatsappEvent(id, inbound(req));
  }

  @Post('email/:channel_id')
  @Public()
  @NoIdempotency()
  @NoAudit()
  @HttpCode(202)
  @ApiOperation({
    operationId: 'channels_email_message',
    summary: 'Inbound mail of the email channel (posted by the mail provider); replies go out by SMTP',
  })
  @ApiHeader({ name: 'X-Agentcy-Signature', required: true, description: 'sha256=<hex HMAC-SHA256(secret, body)>' })
  @ApiAcceptedResponse({ type: ChannelInboundResultDto })
  email(
    @Param('channel_id') id: string,
    @Req() req: Request,
    @Body() dto: EmailChannelMessageDto,
  ): Promise<ChannelInboundResultDto> {
    return this.inbound.emailMessage(id, inbound(req), dto);
  }

  @Post('webhook/:channel_id')
  @Public()
  @NoIdempotency()
  @NoAudit()
  @HttpCode(202)
  @ApiOperation({ operationId: 'channels_webhook_message', summary: 'Inbound message of the generic webhook channel' })
  @ApiHeader({ name: 'X-Agentcy-Signature', required: true, description: 'sha256=<hex HMAC-SHA256(secret, body)>' })
  @ApiAcceptedResponse({ type: ChannelInboundResultDto })
  webhook(
    @Param('channel_id') id: string,
    @Req() req: Request,
    @Body() dto: WebhookChannelMessageDto,
  ): Promise<ChannelInboundResultDto> {
    return this.inbound.webhookMessage(id, inbound(req), dto);
  }
}
