import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

export const REALM_RE = /^[a-z][a-z0-9_-]{1,62}$/; // same rule as /realms names
export const SOURCE_STATUSES = ['ready', 'invalid', 'syncing', 'error', 'disabled'] as const;
export const SYNC_MODES = ['full', 'incremental'] as const;

export class CreateSourceDto {
  @ApiProperty({ example: 'Prod database', maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({ example: 'postgres', description: 'connector type (see GET /sources/types)' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  source_type: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'connector config; secret fields are write-only',
  })
  @IsObject()
  config: Record<string, unknown>;

  @ApiPropertyOptional({ example: 'data', description: 'defaults to the connector realm' })
  @IsOptional()
  @IsString()
  @Matches(REALM_RE, { message: 'realm must be lowercase letters, digits, _ or -' })
  realm?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: '0 */6 * * *', description: '5-field cron (UTC)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  schedule?: string;

  @ApiPropertyOptional({ enum: SYNC_MODES, default: 'full' })
  @IsOptional()
  @IsIn(SYNC_MODES)
  sync_mode?: 'full' | 'incremental';
}

export class UpdateSourceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'merged into the stored config; `"***"` keeps a stored secret, null removes a key',
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(REALM_RE, { message: 'realm must be lowercase letters, digits, _ or -' })
  realm?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(100)
  schedule?: string | null;

  @ApiPropertyOptional({ enum: SYNC_MODES })
  @IsOptional()
  @IsIn(SYNC_MODES)
  sync_mode?: 'full' | 'incremental';
}

export class ValidateSourceDto {
  @ApiProperty({ example: 'csv' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  source_type: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsObject()
  config: Record<string, unknown>;
}

export class ListSourcesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'connector type' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  realm?: string;

  @ApiPropertyOptional({ enum: SOURCE_STATUSES })
  @IsOptional()
  @IsIn(SOURCE_STATUSES)
  status?: (typeof SOURCE_STATUSES)[number];
}

export class SyncRequestDto {
  @ApiPropertyOptional({ enum: SYNC_MODES, description: 'defaults to the source sync_mode' })
  @IsOptional()
  @IsIn(SYNC_MODES)
  mode?: 'full' | 'incremental';
}

export const JOB_STATUS_VALUES = ['queued', 'validating', 'running', 'succeeded', 'failed', 'cancelled'] as const;

export class ListJobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: JOB_STATUS_VALUES })
  @IsOptional()
  @IsIn(JOB_STATUS_VALUES)
  status?: (typeof JOB_STATUS_VALUES)[number];
}

export class HistoryQuery extends PageQuery {
  @ApiPropertyOptional({ default: 30, minimum: 1, maximum: 365 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  days?: number;
}

export class ExecuteToolDto {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  args?: Record<string, unknown>;
}

export class OAuthStartDto {
  @ApiPropertyOptional({ description: 'existing source whose token is (re)connected' })
  @IsOptional()
  @IsUUID()
  source_id?: string;

  @ApiPropertyOptional({ description: 'name of the source to create on callback' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(REALM_RE)
  realm?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  scopes?: string[];
}
