import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const SESSION_STATUSES = ['provisioning', 'running', 'idle', 'terminated', 'failed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export const LIVE_STATUSES: SessionStatus[] = ['provisioning', 'running', 'idle'];

/** A `/ciab-native` coding session: a jailed process on one API replica (`instance`). */
@Entity('ciab_sessions')
export class CiabSessionEntity {
  /** `cs_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** user who started it */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ type: 'varchar', length: 10 })
  runtime: string;

  @Column({ name: 'agent_provider', type: 'varchar', length: 30 })
  agentProvider: string;

  @Column({ type: 'varchar', length: 20 })
  status: SessionStatus;

  /** why it ended or failed (`terminated_by_user`, `idle_timeout`, `exited`, `out_of_memory`, …) */
  @Column({ name: 'status_reason', type: 'varchar', length: 500, nullable: true })
  statusReason: string | null;

  /** the API replica whose process runs it (`<hostname>:<work dir>`) */
  @Column({ type: 'varchar', length: 300 })
  instance: string;

  /** host uid of the jail (root of its user namespace) */
  @Column({ name: 'host_uid', type: 'integer', nullable: true })
  hostUid: number | null;

  @Column({ type: 'jsonb', nullable: true })
  seed: { repo: string; ref?: string } | null;

  /** the snapshot it was restored from (`snap_…`) */
  @Column({ name: 'restored_from', type: 'varchar', length: 40, nullable: true })
  restoredFrom: string | null;

  @Column({ type: 'text', nullable: true })
  prompt: string | null;

  @Column({ name: 'last_activity_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  lastActivityAt: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', precision: 3, nullable: true })
  endedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** A tarball of a session's work dir in the artifact store. */
@Entity('ciab_snapshots')
export class CiabSnapshotEntity {
  /** `snap_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'session_id', type: 'varchar', length: 40 })
  sessionId: string;

  @Column({ name: 'artifact_id', type: 'varchar', length: 40 })
  artifactId: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  label: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  sizeBytes: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
