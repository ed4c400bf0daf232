import { CryptoModule } from '@libs/crypto';
import { EgressModule } from '@libs/egress';
import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { MailModule } from '@libs/mail';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule } from '../chat/chat.module';
import { BindingsController, ChannelBindingsAliasController } from './bindings.controller';
import { ChannelBindingsModule } from './channel-bindings.module';
import { ChannelInboundService } from './channel-inbound.service';
import { ChannelPostContract } from './channel-post.contract';
import { ChannelPostService } from './channel-post.service';
import { SlackApi, WebhookCallback } from './channel-senders';
import { ChannelEntity } from './channel.entity';
import { ChannelInboundController, ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';
import { HttpWhatsappGateway, WhatsappGateway } from './whatsapp-gateway';
import { WhatsappPairingService } from './whatsapp-pairing.service';

/**
 * `/channels` (Slack over the Events API with the `@slack/web-api` SDK, a generic signed webhook,
 * e-mail, WhatsApp through an operator-run gateway sidecar — 503 without one) and the `/bindings`
 * routes (alias `/channels/bindings`; the table belongs to ChannelBindingsModule). Inbound messages
 * run through ChatModule's ChatTurnsContract; org-supplied destinations go through the org's egress
 * guard. See docs/channels.md.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ChannelEntity]),
    CryptoModule,
    EgressModule,
    EventsModule,
    IdempotencyModule,
    MailModule,
    ChatModule,
    ChannelBindingsModule,
  ],
  // order matters: `/channels/bindings` before `/channels/:name`, configure/test before `/channels/webhook/:id`
  controllers: [ChannelBindingsAliasController, BindingsController, ChannelsController, ChannelInboundController],
  providers: [
    ChannelsRepository,
    ChannelsService,
    ChannelInboundService,
    SlackApi,
    WebhookCallback,
    WhatsappPairingService,
    { provide: WhatsappGateway, useClass: HttpWhatsappGateway },
    { provide: ChannelPostContract, useClass: ChannelPostService },
  ],
  exports: [ChannelPostContract],
})
export class ChannelsModule {}
