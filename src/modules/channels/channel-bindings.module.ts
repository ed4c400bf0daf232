import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { BindingsRepository } from './bindings.repository';
import { BindingsService } from './bindings.service';
import { ChannelBindingsContract } from './channel-bindings.contract';
import { ChannelBindingEntity } from './channel.entity';

/**
 * Owner of `channel_bindings`: CRUD behind `/bindings` (routes served by ChannelsModule) and the
 * first-match resolution used by the channel adapters and by ChatModule's `/chat/incoming/*`.
 * A module of its own so that ChatModule can import it while ChannelsModule imports ChatModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ChannelBindingEntity]), AgentsModule],
  providers: [BindingsRepository, BindingsService, { provide: ChannelBindingsContract, useExisting: BindingsService }],
  exports: [ChannelBindingsContract],
})
export class ChannelBindingsModule {}
