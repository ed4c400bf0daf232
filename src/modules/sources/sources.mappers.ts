import type { ConnectorDefinition } from '@libs/connectors/connector';
import type { JobDto, SourceDto } from './dto/source-response.dto';
import { maskConfig } from './source-config';
import type { SourceEntity } from './source.entity';
import { emptyStats, type SyncJobEntity } from './sync-job.entity';

export function toJobDto(j: SyncJobEntity, sourceName?: string | null): JobDto {
  return {
    id: j.id,
    source_id: j.sourceId,
    ...(sourceName !== undefined ? { source_name: sourceName } : {}),
    mode: j.mode,
    status: j.status,
    trigger: j.trigger,
    requested_by: j.requestedBy,
    stats: { ...emptyStats(), ...(j.stats ?? {}) },
    error: j.error ?? null,
    attempts: j.attempts,
    queued_at: j.queuedAt.toISOString(),
    started_at: j.startedAt?.toISOString() ?? null,
    finished_at: j.finishedAt?.toISOString() ?? null,
    created_at: j.createdAt.toISOString(),
    updated_at: j.updatedAt.toISOString(),
  };
}

export function toSourceDto(
  s: SourceEntity,
  def: ConnectorDefinition<any> | undefined,
  secretKeys: string[],
  lastJob: SyncJobEntity | null,
  toolCount: number | null = null,
): SourceDto {
  return {
    id: s.id,
    name: s.name,
    source_type: s.sourceType,
    realm: s.realm,
    enabled: s.enabled,
    config: maskConfig(def, s.config ?? {}, secretKeys),
    schedule: s.schedule,
    sync_mode: s.syncMode,
    status: s.status,
    status_detail: s.statusDetail ?? null,
    last_sync: lastJob
      ? {
          job_id: lastJob.id,
          status: lastJob.status,
          finished_at: lastJob.finishedAt?.toISOString() ?? null,
          nodes_written: lastJob.stats?.nodes_written ?? 0,
        }
      : null,
    tool_count: toolCount,
    created_by: s.createdBy,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}
