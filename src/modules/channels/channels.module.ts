import { CryptoModule } from '@libs/crypto';
import { EgressModule } from '@libs/egress';
import { IdempotencyModule } from '@libs/idempotency';
import { MailModule } from '@libs/mail';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { ChatModule } from '../chat/chat.module';
import { BindingsController, ChannelBindingsAliasController } from './bindings.controller';
import { BindingsService } from './bindings.service';
import { ChannelInboundService } from './channel-inbound.service';
import { ChannelPostContract } from './channel-post.contract';
import { ChannelPostService } from './channel-post.service';
import { SlackApi, WebhookCallback } from './channel-senders';
import { ChannelBindingEntity, ChannelEntity } from './channel.entity';
import { ChannelInboundController, ChannelsController } from './channels.controller';
import { ChannelsRepository } from './channels.repository';
import { ChannelsService } from './channels.service';

/**
 * `/channels` (Slack over the Events API, a generic signed webhook; WhatsApp answers 503 without a
 * gateway) and `/bindings` (alias `/channels/bindings`). Inbound messages run through ChatModule's
 * ChatTurnsContract; replies leave through the org's egress guard. See docs/channels.md.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ChannelEntity, ChannelBindingEntity]),
    CryptoModule,
    EgressModule,
    IdempotencyModule,
    MailModule,
    AgentsModule,
    ChatModule,
  ],
  // order matters: `/channels/bindings` before `/channels/:name`, configure/test before `/channels/webhook/:id`
  controllers: [ChannelBindingsAliasController, BindingsController, ChannelsController, ChannelInboundController],
  providers: [
    ChannelsRepository,
    ChannelsService,
    BindingsService,
    ChannelInboundService,
    SlackApi,
    WebhookCallback,
    { provide: ChannelPostContract, useClass: ChannelPostService },
  ],
  exports: [ChannelPostContract],
})
export class ChannelsModule {}
