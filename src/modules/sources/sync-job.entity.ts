import { BaseEntity } from '@libs/database/base.entity';
import { Column, Entity } from 'typeorm';

export type JobStatus = 'queued' | 'validating' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const ACTIVE_JOB_STATUSES: JobStatus[] = ['queued', 'validating', 'running'];
export const JOB_STATUSES: JobStatus[] = ['queued', 'validating', 'running', 'succeeded', 'failed', 'cancelled'];
export type JobTrigger = 'manual' | 'schedule' | 'pipeline' | 'webhook' | 'upload';

export interface JobStats {
  nodes_written: number;
  edges_written: number;
  nodes_staged: number;
  edges_staged: number;
  edges_skipped: number;
  nodes_archived: number;
  edges_archived: number;
  /** nodes + edges archived */
  archived: number;
  batches: number;
  errors: number;
  /** true when the run was published in one transaction (see INGEST_ATOMIC_MAX_ROWS) */
  atomic_publish?: boolean;
}

export function emptyStats(): JobStats {
  return {
    nodes_written: 0,
    edges_written: 0,
    nodes_staged: 0,
    edges_staged: 0,
    edges_skipped: 0,
    nodes_archived: 0,
    edges_archived: 0,
    archived: 0,
    batches: 0,
    errors: 0,
  };
}

@Entity('sync_jobs')
export class SyncJobEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'source_id', type: 'uuid' })
  sourceId: string;

  @Column({ type: 'varchar', length: 20, default: 'full' })
  mode: 'full' | 'incremental';

  @Column({ type: 'varchar', length: 20, default: 'queued' })
  status: JobStatus;

  @Column({ type: 'varchar', length: 20, default: 'manual' })
  trigger: JobTrigger;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy: string | null;

  @Column({ type: 'jsonb', default: {} })
  stats: JobStats;

  @Column({ type: 'jsonb', nullable: true })
  error: { code: string; message: string; details?: Record<string, unknown> } | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** a pipeline step's config overrides, applied to this job only (docs/pipelines.md) */
  @Column({ name: 'config_overrides', type: 'jsonb', nullable: true })
  configOverrides: Record<string, unknown> | null;

  /** a pipeline's target realm for this job only (null: the source's realm; docs/pipelines.md) */
  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ name: 'queued_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  queuedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', precision: 3, nullable: true })
  finishedAt: Date | null;
}
