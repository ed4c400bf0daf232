import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { ChatModule } from '../chat/chat.module';
import { RealmsModule } from '../realms/realms.module';
import { OrgFeaturesModule } from '../settings/org-settings.module';
import { SpeechProviders } from './providers/speech-providers';
import { VoiceSessionEntity } from './voice-session.entity';
import { VoiceTokens } from './voice-tokens';
import { VoiceController } from './voice.controller';
import { VoiceGateway } from './voice.gateway';
import { VoiceRepository } from './voice.repository';
import { VoiceService } from './voice.service';

/**
 * Voice sessions (/voice, features.voice) over the install's speech providers (docs/voice.md): REST
 * for the session, a WebSocket for audio; each final transcript runs one agent turn through
 * ChatModule's ChatTurnsContract.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([VoiceSessionEntity]),
    IdempotencyModule,
    ChatModule,
    AgentsModule,
    RealmsModule,
    OrgFeaturesModule,
  ],
  controllers: [VoiceController],
  providers: [VoiceRepository, VoiceTokens, SpeechProviders, VoiceService, VoiceGateway],
})
export class VoiceModule {}
