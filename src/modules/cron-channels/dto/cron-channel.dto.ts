import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';

export const CRON_CHANNEL_TYPES = ['slack', 'webhook'] as const;

export class CronChannelTargetDto {
  @ApiPropertyOptional({ description: 'Slack channel id (slack)', example: 'C0123' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  slack_channel?: string;

  @ApiPropertyOptional({ description: 'Slack thread ts, or the webhook thread' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  thread?: string;

  @ApiPropertyOptional({ description: 'webhook: chat id passed to the callback' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  chat?: string;
}

export class CreateCronChannelDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: CRON_CHANNEL_TYPES })
  @IsIn(CRON_CHANNEL_TYPES)
  channel: (typeof CRON_CHANNEL_TYPES)[number];

  @ApiPropertyOptional({ type: CronChannelTargetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CronChannelTargetDto)
  target?: CronChannelTargetDto;

  @ApiProperty({ example: '0 9 * * 1-5', description: '5-field cron (UTC unless timezone)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  cron: string;

  @ApiPropertyOptional({ example: 'Europe/Paris' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  agent: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string;

  @ApiProperty({ description: 'The user message of every run' })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  prompt: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateCronChannelDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: CronChannelTargetDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CronChannelTargetDto)
  target?: CronChannelTargetDto;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  prompt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class CronChannelDto {
  @ApiProperty({ example: 'crc_…' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: CRON_CHANNEL_TYPES }) channel: string;
  @ApiProperty({ type: CronChannelTargetDto }) target: CronChannelTargetDto;
  @ApiProperty() cron: string;
  @ApiProperty({ nullable: true, type: String }) timezone: string | null;
  @ApiProperty() agent: string;
  @ApiProperty({ nullable: true, type: String }) realm: string | null;
  @ApiProperty() prompt: string;
  @ApiProperty({ example: 'task_…', description: 'The backing schedule task' }) task_id: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String }) last_run_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class CronChannelRunDto {
  @ApiProperty({ example: 'run_…' }) id: string;
  @ApiProperty() status: string;
  @ApiProperty({ type: Object }) trigger: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, description: 'The posted answer' }) output: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
}

export class CronChannelRunAcceptedDto {
  @ApiProperty({ example: 'run_…' }) run_id: string;
}
