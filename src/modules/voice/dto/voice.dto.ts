import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** PCM sample rates a session may declare. */
export const VOICE_SAMPLE_RATES = [8000, 16000, 22050, 24000, 44100, 48000] as const;

export class VoiceAudioDto {
  @ApiPropertyOptional({ enum: VOICE_SAMPLE_RATES, default: 24000, description: 'PCM16LE mono rate, both directions' })
  @IsOptional()
  @IsInt()
  @IsIn(VOICE_SAMPLE_RATES)
  sample_rate?: number;

  @ApiPropertyOptional({
    default: true,
    description: 'Server-side VAD ends utterances; false: the client sends `commit`',
  })
  @IsOptional()
  @IsBoolean()
  vad?: boolean;

  @ApiPropertyOptional({ description: 'Accepted for compatibility; the server does no noise suppression' })
  @IsOptional()
  @IsBoolean()
  noise_suppression?: boolean;
}

export class VoiceLimitsDto {
  @ApiPropertyOptional({ minimum: 1, description: 'Default and maximum: VOICE_MAX_DURATION_SECS (1800)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  max_duration_secs?: number;
}

export class CreateVoiceSessionDto {
  @ApiPropertyOptional({ example: 'infrastructure' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  realm?: string;

  @ApiPropertyOptional({ description: 'Agent id or name (default: the org default agent)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  agent?: string;

  @ApiPropertyOptional({ description: 'TTS voice (ElevenLabs voice id, or OpenAI voice name)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  voice_id?: string;

  @ApiPropertyOptional({ type: VoiceAudioDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VoiceAudioDto)
  audio?: VoiceAudioDto;

  @ApiPropertyOptional({ type: VoiceLimitsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VoiceLimitsDto)
  limits?: VoiceLimitsDto;
}

export class VoiceSessionCreatedDto {
  @ApiProperty({ example: 'vs_0f3c…' })
  session_id: string;

  @ApiProperty({ description: 'WebSocket URL with a single-use token valid 60 s' })
  ws_url: string;

  @ApiProperty({ description: 'When the token in ws_url expires' })
  expires_at: string;
}

export class VoiceSessionDto {
  @ApiProperty()
  id: string;

  @ApiProperty({ enum: ['pending', 'active', 'ended', 'expired'] })
  status: string;

  @ApiProperty({ nullable: true, enum: ['max_duration', 'client', 'idle', 'error', 'expired', 'interrupted'] })
  end_reason: string | null;

  @ApiProperty()
  agent: string;

  @ApiProperty({ nullable: true, type: String })
  realm: string | null;

  @ApiProperty({ nullable: true, type: String })
  voice_id: string | null;

  @ApiProperty()
  sample_rate: number;

  @ApiProperty()
  vad: boolean;

  @ApiProperty()
  max_duration_secs: number;

  @ApiProperty({ nullable: true, type: String, description: 'Chat conversation of the turns (after the first one)' })
  conversation_id: string | null;

  @ApiProperty()
  turns: number;

  @ApiProperty({ description: 'Seconds of audio received' })
  audio_secs: number;

  @ApiProperty({ nullable: true, type: String })
  started_at: string | null;

  @ApiProperty({ nullable: true, type: String })
  ended_at: string | null;

  @ApiProperty()
  created_at: string;
}

export class VoiceTranscriptEntryDto {
  @ApiProperty()
  message_id: string;

  @ApiProperty({ enum: ['user', 'assistant'] })
  role: string;

  @ApiProperty()
  text: string;

  @ApiProperty()
  created_at: string;
}

export class VoiceSessionDetailDto extends VoiceSessionDto {
  @ApiProperty({ type: [VoiceTranscriptEntryDto], description: 'User and assistant messages of the conversation' })
  transcript: VoiceTranscriptEntryDto[];
}
