import type { PipelineDto, PipelineRunDto } from './dto/pipeline.dto';
import type { PipelineEntity, PipelineRunEntity } from './pipeline.entity';

/** `nextMs`: the scheduler's next due time, when the pipeline is scheduled. */
export function toPipelineDto(e: PipelineEntity, nextMs: number | null = null): PipelineDto {
  return {
    id: e.id,
    name: e.name,
    realm: e.realm,
    steps: e.steps,
    schedule: e.schedule,
    retention_days: e.retentionDays,
    enabled: e.enabled,
    version: e.version,
    schedule_state: {
      next_fire_at: nextMs ? new Date(nextMs).toISOString() : null,
      last_fire: e.lastFire ?? null,
      fires_skipped: e.firesSkipped ?? 0,
    },
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
    trigger: e.trigger ?? 'manual',
    scheduled_for: e.scheduledFor?.toISOString() ?? null,
    started_at: e.startedAt?.toISOString() ?? null,
    finished_at: e.finishedAt?.toISOString() ?? null,
    created_at: (e.createdAt ?? new Date()).toISOString(),
  };
}
