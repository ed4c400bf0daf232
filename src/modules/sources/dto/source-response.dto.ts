import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LastSyncDto {
  @ApiProperty() job_id: string;
  @ApiProperty({ enum: ['queued', 'validating', 'running', 'succeeded', 'failed', 'cancelled'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) finished_at: string | null;
  @ApiProperty() nodes_written: number;
}

export class SourceDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() source_type: string;
  @ApiProperty() realm: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'secret fields are shown as "***"' })
  config: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) schedule: string | null;
  @ApiProperty({ enum: ['full', 'incremental'] }) sync_mode: string;
  @ApiProperty({ enum: ['ready', 'invalid', 'syncing', 'error', 'disabled'] }) status: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) status_detail: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: LastSyncDto, nullable: true }) last_sync: LastSyncDto | null;
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'only on GET /sources/:id' }) tool_count:
    number | null;
  @ApiProperty({ type: String, nullable: true }) created_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class JobStatsDto {
  @ApiProperty() nodes_written: number;
  @ApiProperty() edges_written: number;
  @ApiProperty() nodes_staged: number;
  @ApiProperty() edges_staged: number;
  @ApiProperty() edges_skipped: number;
  @ApiProperty() nodes_archived: number;
  @ApiProperty() edges_archived: number;
  @ApiProperty({ description: 'nodes_archived + edges_archived' }) archived: number;
  @ApiProperty() batches: number;
  @ApiProperty() errors: number;
  @ApiPropertyOptional({ description: 'true when the run was published in one transaction' }) atomic_publish?: boolean;
}

export class JobErrorDto {
  @ApiProperty() code: string;
  @ApiProperty() message: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
}

export class JobDto {
  @ApiProperty() id: string;
  @ApiProperty() source_id: string;
  @ApiPropertyOptional({ type: String, nullable: true }) source_name?: string | null;
  @ApiProperty({ enum: ['full', 'incremental'] }) mode: string;
  @ApiProperty({ enum: ['queued', 'validating', 'running', 'succeeded', 'failed', 'cancelled'] }) status: string;
  @ApiProperty({ enum: ['manual', 'schedule', 'pipeline', 'webhook', 'upload'] }) trigger: string;
  @ApiProperty({ type: String, nullable: true }) requested_by: string | null;
  @ApiProperty({ type: JobStatsDto }) stats: JobStatsDto;
  @ApiProperty({ type: JobErrorDto, nullable: true }) error: JobErrorDto | null;
  @ApiProperty() attempts: number;
  @ApiProperty() queued_at: string;
  @ApiProperty({ type: String, nullable: true }) started_at: string | null;
  @ApiProperty({ type: String, nullable: true }) finished_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiPropertyOptional({ description: 'only on POST /ingestion/jobs uploads: the stored file' }) file_id?: string;
}

export class ValidateResultDto {
  @ApiProperty({ example: true }) ok: boolean;
  @ApiProperty() source_type: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) info: Record<string, unknown>;
}

export class ConnectorToolDto {
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: ['read', 'write', 'destructive'] }) effect: string;
  @ApiProperty() requires_approval: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) input_schema: Record<string, unknown>;
}

export class ConnectorTypeDto {
  @ApiProperty({ example: 'postgres' }) type: string;
  @ApiProperty() display_name: string;
  @ApiProperty() description: string;
  @ApiProperty() default_realm: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) config_schema: Record<string, unknown>;
  @ApiProperty({ type: [String] }) secret_fields: string[];
  @ApiProperty() supports_ingest: boolean;
  @ApiProperty() supports_tools: boolean;
  @ApiProperty() supports_incremental: boolean;
  @ApiProperty({ type: [String] }) auth_modes: string[];
}

export class SourceToolDto extends ConnectorToolDto {
  @ApiProperty({ example: 'Prod database.query' }) qualified_name: string;
  @ApiProperty() source_id: string;
  @ApiProperty() connector: string;
}

export class ToolResultDto {
  @ApiProperty() tool: string;
  @ApiProperty({ description: 'tool output' }) result: unknown;
}

export class HistoryDayDto {
  @ApiProperty({ example: '2026-11-28' }) date: string;
  @ApiProperty() runs: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty() nodes_written: number;
}

export class HistorySummaryDto {
  @ApiProperty() total_runs: number;
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty({ type: String, nullable: true }) last_success_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_failure_at: string | null;
  @ApiProperty({ type: Number, nullable: true }) avg_duration_ms: number | null;
}

export class SyncHistoryDto {
  @ApiProperty({ type: [HistoryDayDto], description: 'one row per day with runs, newest first' })
  items: HistoryDayDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
  @ApiProperty() total: number;
  @ApiProperty({ type: HistorySummaryDto }) summary: HistorySummaryDto;
}

export class OAuthStartResponseDto {
  @ApiProperty() authorize_url: string;
  @ApiProperty() state: string;
  @ApiProperty() expires_at: string;
}
