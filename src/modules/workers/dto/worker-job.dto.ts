import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { WORKER_JOB_STATUSES, WORKER_QUEUES, type WorkerJobStatus, type WorkerQueue } from '../worker-job.entity';

export class WorkerJobErrorDto {
  @ApiProperty()
  code: string;

  @ApiProperty()
  message: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}

export class WorkerJobDto {
  @ApiProperty({ example: 'wjob_6f1c…' })
  id: string;

  @ApiProperty()
  org_id: string;

  @ApiProperty({ enum: WORKER_QUEUES })
  queue: WorkerQueue;

  @ApiProperty({ example: 'source.sync' })
  kind: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;

  @ApiProperty({ enum: WORKER_JOB_STATUSES })
  status: WorkerJobStatus;

  @ApiProperty()
  attempts: number;

  @ApiProperty()
  max_attempts: number;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lease_expires_at: string | null;

  @ApiProperty({ type: String, nullable: true })
  worker_id: string | null;

  @ApiProperty({ type: WorkerJobErrorDto, nullable: true })
  error: WorkerJobErrorDto | null;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  started_at: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  finished_at: string | null;
}

export class ListWorkerJobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: WORKER_JOB_STATUSES })
  @IsOptional()
  @IsIn(WORKER_JOB_STATUSES)
  status?: WorkerJobStatus;

  @ApiPropertyOptional({ enum: WORKER_QUEUES })
  @IsOptional()
  @IsIn(WORKER_QUEUES)
  queue?: WorkerQueue;
}

export class WorkerDto {
  @ApiProperty({ example: 'wkr_6f1c…' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty()
  hostname: string;

  @ApiProperty()
  version: string;

  @ApiProperty({ enum: WORKER_QUEUES, isArray: true })
  queues: string[];

  @ApiProperty()
  concurrency: number;

  @ApiProperty({ enum: ['online', 'stale', 'offline'] })
  status: 'online' | 'stale' | 'offline';

  @ApiProperty({ description: 'Drained: gets no new jobs' })
  drain: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'null: install-wide (serves every org)' })
  org_id: string | null;

  @ApiProperty({ format: 'date-time' })
  last_heartbeat_at: string;

  @ApiProperty({ description: "Jobs of the caller's org the worker holds" })
  in_flight: number;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class QueueStatsDto {
  @ApiProperty({ enum: WORKER_QUEUES })
  queue: string;

  @ApiProperty({ description: 'Queued jobs' })
  depth: number;

  @ApiProperty({ description: 'Claimed or running jobs' })
  in_flight: number;

  @ApiProperty()
  dead: number;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  oldest_queued_at: string | null;
}

export class DrainWorkerDto {
  @ApiPropertyOptional({ default: true, description: 'false lifts the drain' })
  @IsOptional()
  @IsBoolean()
  drain?: boolean;
}
