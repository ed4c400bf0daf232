import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { TriggerContext } from './tasks.contract';

export type TaskTriggerKind = 'schedule' | 'webhook' | 'manual' | 'lifecycle';
export type TaskRunStatus = 'pending' | 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'cancelled';
export const ACTIVE_RUN_STATUSES: TaskRunStatus[] = ['pending', 'running', 'awaiting_approval'];
export const FINAL_RUN_STATUSES: TaskRunStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface TaskRunError {
  code: string;
  message: string;
}

@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'varchar', length: 200, default: 'default' }) agent: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) realm: string | null;
  @Column({ name: 'trigger_kind', type: 'varchar', length: 20 }) triggerKind: TaskTriggerKind;
  @Column({ type: 'varchar', length: 200, nullable: true }) cron: string | null;
  @Column({ type: 'varchar', length: 100, default: 'UTC' }) timezone: string;
  /** lifecycle: the platform event (task-lifecycle.ts) and the equality filter on its data */
  @Column({ name: 'trigger_event', type: 'varchar', length: 60, nullable: true }) triggerEvent: string | null;
  @Column({ name: 'trigger_filter', type: 'jsonb', nullable: true }) triggerFilter: Record<
    string,
    string | number | boolean | null
  > | null;
  @Column({ name: 'secret_sealed', type: 'bytea', nullable: true, select: false }) secretSealed: Buffer | null;
  @Column({ name: 'secret_prefix', type: 'varchar', length: 20, nullable: true }) secretPrefix: string | null;
  @Column({ name: 'input_template', type: 'jsonb', default: () => `'{}'` }) inputTemplate: Record<string, unknown>;
  @Column({ name: 'approval_defaults', type: 'jsonb', nullable: true }) approvalDefaults: Record<string, string> | null;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ name: 'timeout_secs', type: 'integer', default: 900 }) timeoutSecs: number;
  @Column({ name: 'max_iterations', type: 'integer', default: 20 }) maxIterations: number;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt: Date;
}

@Entity('task_runs')
export class TaskRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 }) id: string;
  @Column({ name: 'org_id', type: 'uuid' }) orgId: string;
  /** null for an ad-hoc run (a stand-alone webhook targeting an agent); kept after the task is deleted */
  @Column({ name: 'task_id', type: 'varchar', length: 40, nullable: true }) taskId: string | null;
  @Column({ name: 'task_name', type: 'varchar', length: 200, nullable: true }) taskName: string | null;
  @Column({ type: 'varchar', length: 20 }) status: TaskRunStatus;
  @Column({ name: 'waiting_approval', type: 'boolean', default: false }) waitingApproval: boolean;
  @Column({ type: 'jsonb', default: () => `'{}'` }) trigger: TriggerContext;
  @Column({ type: 'jsonb', default: () => `'{}'` }) input: Record<string, unknown>;
  @Column({ type: 'varchar', length: 200, default: 'default' }) agent: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) realm: string | null;
  @Column({ name: 'approval_defaults', type: 'jsonb', nullable: true }) approvalDefaults: Record<string, string> | null;
  @Column({ name: 'timeout_secs', type: 'integer', default: 900 }) timeoutSecs: number;
  @Column({ name: 'max_iterations', type: 'integer', default: 20 }) maxIterations: number;
  /** the task's creator: the user the run acts for and whom notifications address */
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ name: 'conversation_id', type: 'uuid', nullable: true }) conversationId: string | null;
  @Column({ name: 'turn_id', type: 'uuid', nullable: true }) turnId: string | null;
  @Column({ name: 'cancel_requested', type: 'boolean', default: false }) cancelRequested: boolean;
  @Column({ type: 'jsonb', nullable: true }) usage: Record<string, number> | null;
  @Column({ type: 'jsonb', nullable: true }) error: TaskRunError | null;
  @Column({ type: 'text', nullable: true }) output: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 }) updatedAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', precision: 3, nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', precision: 3, nullable: true }) finishedAt: Date | null;
}
