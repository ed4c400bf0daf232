import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { WORKER_QUEUES, type WorkerQueue } from '../worker-job.entity';
import { MAX_CLAIM_WAIT_SECS } from '../worker-lease';
import { WorkerJobDto } from './worker-job.dto';

export class RegisterWorkerDto {
  @ApiProperty({ maxLength: 200, example: 'ingest-1' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ maxLength: 255, example: 'host-a' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  hostname: string;

  @ApiProperty({ maxLength: 100, example: '0.1.0' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  version: string;

  @ApiProperty({ enum: WORKER_QUEUES, isArray: true, example: ['ingest'] })
  @IsArray()
  @ArrayMaxSize(WORKER_QUEUES.length)
  @IsIn(WORKER_QUEUES, { each: true })
  queues: WorkerQueue[];

  @ApiPropertyOptional({ minimum: 1, maximum: 256, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(256)
  concurrency?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  capabilities?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Dedicate the worker to one org (default: serves every org)' })
  @IsOptional()
  @IsUUID()
  org_id?: string;
}

export class RegisterWorkerResponseDto {
  @ApiProperty({ example: 'wkr_6f1c…' })
  worker_id: string;

  @ApiProperty({ example: 15 })
  heartbeat_interval_secs: number;

  @ApiProperty({ example: 60 })
  lease_secs: number;
}

export class HeartbeatDto {
  @ApiPropertyOptional({ type: [String], description: 'Jobs the worker is running; their leases are renewed' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  in_flight?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  load?: Record<string, unknown>;
}

export class HeartbeatResponseDto {
  @ApiProperty()
  ok: boolean;

  @ApiProperty({ description: 'true: the worker is drained and gets no new jobs' })
  drain: boolean;

  @ApiProperty({
    type: [String],
    description: 'Listed jobs whose lease this worker no longer holds (stop working on them; their outcome is refused)',
  })
  lost: string[];
}

export class ClaimDto {
  @ApiPropertyOptional({
    enum: WORKER_QUEUES,
    isArray: true,
    description: 'Default: every queue the worker registered',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(WORKER_QUEUES.length)
  @IsIn(WORKER_QUEUES, { each: true })
  queues?: WorkerQueue[];

  @ApiPropertyOptional({ minimum: 1, maximum: 64, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(64)
  max?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_CLAIM_WAIT_SECS,
    default: MAX_CLAIM_WAIT_SECS,
    description: 'Long-poll: how long to wait for a job when none is queued',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CLAIM_WAIT_SECS)
  wait_secs?: number;
}

export class ClaimResponseDto {
  @ApiProperty({ type: [WorkerJobDto] })
  jobs: WorkerJobDto[];
}

export class CompleteJobDto {
  @ApiProperty({ description: 'The worker holding the lease' })
  @IsString()
  @MaxLength(40)
  worker_id: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  result?: Record<string, unknown>;
}

export class FailJobDto {
  @ApiProperty({ description: 'The worker holding the lease' })
  @IsString()
  @MaxLength(40)
  worker_id: string;

  @ApiProperty({ maxLength: 4000, description: 'What went wrong' })
  @IsString()
  @MaxLength(4000)
  error: string;

  @ApiPropertyOptional({ maxLength: 100, description: 'Machine-readable error code (default job_failed)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  code?: string;

  @ApiPropertyOptional({
    default: true,
    description: 'false: the job ends `failed` now; true: retried until max_attempts',
  })
  @IsOptional()
  @IsBoolean()
  retryable?: boolean;
}
