import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const WORKER_QUEUES = ['ingest', 'tasks', 'pipelines', 'embeddings', 'default'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export const WORKER_JOB_STATUSES = ['queued', 'claimed', 'running', 'succeeded', 'failed', 'dead'] as const;
export type WorkerJobStatus = (typeof WORKER_JOB_STATUSES)[number];

export interface WorkerJobError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** One unit of out-of-process work (`wjob_…`, spec A.2). */
@Entity('worker_jobs')
export class WorkerJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 40 })
  queue: WorkerQueue;

  @Column({ type: 'varchar', length: 100 })
  kind: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  payload: Record<string, unknown>;

  /** the record the job works for (e.g. the sync job id), for cancel-by-reference */
  @Column({ type: 'varchar', length: 100, nullable: true })
  ref: string | null;

  @Column({ type: 'varchar', length: 20 })
  status: WorkerJobStatus;

  /** attempts that ended without success (failed retryable, lease expired, worker offline) */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'max_attempts', type: 'int', default: 3 })
  maxAttempts: number;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', precision: 3, nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'worker_id', type: 'varchar', length: 40, nullable: true })
  workerId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  error: WorkerJobError | null;

  @Column({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', precision: 3, nullable: true })
  finishedAt: Date | null;
}
