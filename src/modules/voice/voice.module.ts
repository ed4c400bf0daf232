import { Module } from '@nestjs/common';

/** Voice sessions (/voice) over a configured speech provider (docs/voice.md). */
@Module({})
export class VoiceModule {}
