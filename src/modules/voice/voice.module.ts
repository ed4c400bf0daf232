import { IdempotencyModule } from '@libs/idempotency';
import { ReplicaPresenceModule } from '@libs/redis/replica-presence.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { ChatModule } from '../chat/chat.module';
import { RealmsModule } from '../realms/realms.module';
import { OrgFeaturesModule } from '../settings/org-settings.module';
import { SpeechProviders } from './providers/speech-providers';
import { VoiceSessionSweeper } from './voice-session-sweeper';
import { VoiceSessionEntity } from './voice-session.entity';
import { VoiceTokens } from './voice-tokens';
import { VoiceController } from './voice.controller';
import { VoiceGateway } from './voice.gateway';
import { VoiceRepository } from './voice.repository';
import { VoiceService } from './voice.service';

/**
 * Voice sessions (/voice, features.voice) over the install's speech providers (docs/voice.md): REST
 * for the session, a WebSocket for audio; each final transcript runs one agent turn through
 * ChatModule's ChatTurnsContract. VoiceSessionSweeper ends the active sessions of dead replicas.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([VoiceSessionEntity]),
    IdempotencyModule,
    ChatModule,
    AgentsModule,
    RealmsModule,
    OrgFeaturesModule,
    ReplicaPresenceModule,
  ],
  controllers: [VoiceController],
  providers: [VoiceRepository, VoiceTokens, SpeechProviders, VoiceService, VoiceGateway, VoiceSessionSweeper],
})
export class VoiceModule {}
