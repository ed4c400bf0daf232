import type { PipelineDto, PipelineRunDto } from './dto/pipeline.dto';
import type { PipelineEntity, PipelineRunEntity } from './pipeline.entity';

export function toPipelineDto(e: PipelineEntity): PipelineDto {
  return {
    id: e.id,
    name: e.name,
    realm: e.realm,
    steps: e.steps,
    schedule: e.schedule,
    retention_days: e.retentionDays,
    enabled: e.enabled,
    version: e.version,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

export function toRunDto(e: PipelineRunEntity): PipelineRunDto {
  return {
    id: e.id,
    pipeline_id: e.pipelineId,
    pipeline_version: e.pipelineVersion,
    status: e.status,
    steps: e.steps,
    stats: e.stats,
    error: e.error,
    retry_of: e.retryOf,
    started_at: e.startedAt?.toISOString() ?? null,
    finished_at: e.finishedAt?.toISOString() ?? null,
    created_at: (e.createdAt ?? new Date()).toISOString(),
  };
}
