import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Patch, Post } from '@libs/http';
import { ApiPageResponse } from '@libs/pagination';
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
  CreateWebhookDto,
  DeliveryDetailDto,
  DeliveryDto,
  DeliveryListQuery,
  HookAcceptedDto,
  UpdateWebhookDto,
  WebhookDto,
  WebhookListQuery,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

/** `/webhooks`: inbound endpoints and outbound subscriptions (admins change them, members read). */
@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'webhooks_create',
    summary: 'Create an inbound webhook (`target`) or outbound subscription (`url` + `events`); secret shown once',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(p, dto);
  }

  @Get()
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'webhooks_list', summary: 'Webhooks, with task webhook triggers as read-only entries' })
  @ApiPageResponse(WebhookDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: WebhookListQuery) {
    return this.webhooks.list(p, q);
  }

  @Get(':id')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'webhooks_get' })
  @ApiOkResponse({ type: WebhookDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<WebhookDto> {
    return this.webhooks.get(p, id);
  }

  @Patch(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'webhooks_update' })
  @ApiOkResponse({ type: WebhookDto })
  update(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return this.webhooks.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'webhooks_delete' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.webhooks.remove(p, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'webhooks_rotate_secret',
    summary: 'New secret (shown once); the old one stops working at once',
  })
  @ApiOkResponse({ type: WebhookWithSecretDto })
  rotate(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotateSecret(p, id);
  }

  @Get(':id/deliveries')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'webhooks_list_deliveries', summary: 'Delivery log, newest first' })
  @ApiPageResponse(DeliveryDto)
  deliveries(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Query() q: DeliveryListQuery) {
    return this.webhooks.deliveries(p, id, q);
  }

  @Get(':id/deliveries/:delivery_id')
  @Authenticated({ minRole: 'member' })
  @ApiOperation({ operationId: 'webhooks_get_delivery', summary: 'One delivery with headers and body (cut at 64 KB)' })
  @ApiOkResponse({ type: DeliveryDetailDto })
  delivery(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
  ): Promise<DeliveryDetailDto> {
    return this.webhooks.delivery(p, id, deliveryId);
  }

  @Post(':id/deliveries/:delivery_id/replay')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'webhooks_replay_delivery',
    summary: 'Inbound: run the stored payload again (no signature check); outbound: deliver again now',
  })
  @ApiAcceptedResponse({ type: HookAcceptedDto })
  replay(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
  ): Promise<HookAcceptedDto> {
    return this.webhooks.replay(p, id, deliveryId);
  }

  @Post(':id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'webhooks_redeliver', summary: 'Outbound: a new delivery of the same event now' })
  @ApiAcceptedResponse({ type: HookAcceptedDto })
  redeliver(
    @CurrentPrincipal() p: Principal,
    @Param('id') id: string,
    @Param('delivery_id') deliveryId: string,
  ): Promise<HookAcceptedDto> {
    return this.webhooks.redeliver(p, id, deliveryId);
  }
}
