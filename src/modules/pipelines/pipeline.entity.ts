import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const RUN_STATUSES = ['validating', 'running', 'finalizing', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ACTIVE_RUN_STATUSES: RunStatus[] = ['validating', 'running', 'finalizing'];

export interface PipelineStep {
  source_id: string;
  config_overrides?: Record<string, unknown>;
}

/** What started a run. */
export type RunTrigger = 'manual' | 'schedule' | 'retry';

/** The last scheduled fire of a pipeline (a fire while a run is active is skipped, not queued). */
export interface LastFire {
  /** the tick's due time (ISO) */
  due_at: string;
  outcome: 'started' | 'skipped_active_run' | 'skipped_disabled' | 'failed';
  run_id: string | null;
  /** the active run that made the fire skip, or the start error */
  detail: string | null;
}

export interface RunStep {
  source_id: string;
  /** the step's overrides as the run started (applied to its sync job only) */
  config_overrides?: Record<string, unknown>;
  status: 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
  job_id: string | null;
  stats: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
}

/** A versioned, connector-driven pipeline (`pip_…`): an ordered list of source syncs. */
@Entity('pipelines')
export class PipelineEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 100, default: 'default' })
  realm: string;

  @Column({ type: 'jsonb' })
  steps: PipelineStep[];

  @Column({ type: 'varchar', length: 100, default: 'manual' })
  schedule: string;

  @Column({ name: 'retention_days', type: 'integer', default: 30 })
  retentionDays: number;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'last_fire', type: 'jsonb', nullable: true })
  lastFire: LastFire | null;

  /** scheduled fires skipped because a run was active (or the start failed) */
  @Column({ name: 'fires_skipped', type: 'integer', default: 0 })
  firesSkipped: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** One execution of a pipeline version (`prun_…`). */
@Entity('pipeline_runs')
export class PipelineRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'pipeline_id', type: 'varchar', length: 40 })
  pipelineId: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'pipeline_version', type: 'integer' })
  pipelineVersion: number;

  @Column({ type: 'varchar', length: 20 })
  status: RunStatus;

  @Column({ type: 'jsonb' })
  steps: RunStep[];

  @Column({ type: 'jsonb', default: () => "'{}'" })
  stats: Record<string, number>;

  @Column({ type: 'jsonb', nullable: true })
  error: { code: string; message: string } | null;

  @Column({ name: 'retry_of', type: 'varchar', length: 40, nullable: true })
  retryOf: string | null;

  @Column({ type: 'varchar', length: 20, default: 'manual' })
  trigger: RunTrigger;

  /** schedule runs: the tick's due time (unique per pipeline: one run per tick) */
  @Column({ name: 'scheduled_for', type: 'timestamptz', precision: 3, nullable: true })
  scheduledFor: Date | null;

  @Column({ name: 'requested_by', type: 'uuid', nullable: true })
  requestedBy: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', precision: 3, nullable: true })
  finishedAt: Date | null;

  /** set by `POST /pipeline-agent/complete`; the run's pipeline tokens are refused from then on */
  @Column({ name: 'agent_completed_at', type: 'timestamptz', precision: 3, nullable: true })
  agentCompletedAt: Date | null;

  @Column({ name: 'agent_summary', type: 'text', nullable: true })
  agentSummary: string | null;

  /**
   * The replica executing the run (its `ReplicaPresence` instance id); a live replica's sweeper ends
   * the run `failed`/`interrupted` once that replica is gone. NULL for runs older than the column.
   */
  @Column({ name: 'owner_instance', type: 'varchar', length: 255, nullable: true })
  ownerInstance: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
