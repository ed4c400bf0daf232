import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { REALM_RE } from '../../sources/dto/source-request.dto';
import { RUN_STATUSES } from '../pipeline.entity';

export class PipelineStepDto {
  @ApiProperty({ description: 'a source of the org' })
  @IsString()
  @Length(1, 100)
  source_id: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "merged over the source's stored config for this pipeline's runs only (non-secret fields of the connector's config schema; see docs/pipelines.md)",
  })
  @IsOptional()
  @IsObject()
  config_overrides?: Record<string, unknown>;
}

export class CreatePipelineDto {
  @ApiProperty({ example: 'nightly-crm', description: 'unique per org (case-insensitive)' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({
    default: 'default',
    description:
      "target realm: every node and edge the pipeline's steps write gets it (same rule as source realms; see docs/pipelines.md)",
  })
  @IsOptional()
  @IsString()
  @Matches(REALM_RE, { message: 'realm must be lowercase letters, digits, _ or -' })
  realm?: string;

  @ApiProperty({ type: [PipelineStepDto] })
  @ValidateNested({ each: true })
  @Type(() => PipelineStepDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  steps: PipelineStepDto[];

  @ApiPropertyOptional({ default: 'manual', description: '`manual` or a 5-field cron expression (UTC)' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  schedule?: string;

  @ApiPropertyOptional({ default: 30, minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  retention_days?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdatePipelineDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: [PipelineStepDto] })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => PipelineStepDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  steps?: PipelineStepDto[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  schedule?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  retention_days?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class RevertPipelineDto {
  @ApiProperty({ description: 'a succeeded run of this pipeline whose graph state is restored' })
  @IsString()
  @Length(1, 100)
  to_run_id: string;
}

export class LastFireDto {
  @ApiProperty({ description: 'due time of the tick' }) due_at: string;
  @ApiProperty({ enum: ['started', 'skipped_active_run', 'skipped_disabled', 'failed'] }) outcome: string;
  @ApiProperty({ nullable: true, type: String }) run_id: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the active run that made it skip, or the error' })
  detail: string | null;
}

export class ScheduleStateDto {
  @ApiProperty({ nullable: true, type: String, description: 'next scheduled fire (null: manual or disabled)' })
  next_fire_at: string | null;
  @ApiProperty({ nullable: true, type: LastFireDto }) last_fire: LastFireDto | null;
  @ApiProperty({ description: 'scheduled fires skipped (a run was active, or the start failed)' })
  fires_skipped: number;
}

export class PipelineDto {
  @ApiProperty({ example: 'pip_0f3c…' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() realm: string;
  @ApiProperty({ type: [PipelineStepDto] }) steps: PipelineStepDto[];
  @ApiProperty() schedule: string;
  @ApiProperty() retention_days: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty() version: number;
  @ApiProperty({ type: ScheduleStateDto }) schedule_state: ScheduleStateDto;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class RunStepDto {
  @ApiProperty() source_id: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'overrides applied to this step' })
  config_overrides?: Record<string, unknown>;
  @ApiProperty({ enum: ['pending', 'running', 'succeeded', 'failed', 'skipped'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) job_id: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) stats: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) error: Record<string, unknown> | null;
}

export class PipelineRunDto {
  @ApiProperty({ example: 'prun_0f3c…' }) id: string;
  @ApiProperty() pipeline_id: string;
  @ApiProperty() pipeline_version: number;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty({ type: [RunStepDto] }) steps: RunStepDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) stats: Record<string, number>;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) error: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String }) retry_of: string | null;
  @ApiProperty({ enum: ['manual', 'schedule', 'retry'] }) trigger: string;
  @ApiProperty({ nullable: true, type: String, description: 'schedule runs: due time of the tick' })
  scheduled_for: string | null;
  @ApiProperty({ nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
  @ApiProperty() created_at: string;
}

export class RevertResultDto {
  @ApiProperty() pipeline_id: string;
  @ApiProperty() to_run_id: string;
  @ApiProperty({ description: 'nodes brought back' }) restored: number;
  @ApiProperty({ description: 'nodes archived' }) archived: number;
}
