import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A registered worker daemon (`wkr_…`); install-wide (`orgId` null) or dedicated to one org. */
@Entity('worker_daemons')
export class WorkerDaemonEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  /** null: serves every org; otherwise only this org's jobs */
  @Column({ name: 'org_id', type: 'uuid', nullable: true })
  orgId: string | null;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 255 })
  hostname: string;

  @Column({ type: 'varchar', length: 100 })
  version: string;

  @Column({ type: 'text', array: true, default: '{}' })
  queues: string[];

  @Column({ type: 'int', default: 1 })
  concurrency: number;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  capabilities: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  load: Record<string, unknown>;

  /** drained: gets no new jobs (heartbeat answers drain: true) */
  @Column({ type: 'boolean', default: false })
  drain: boolean;

  /** the heartbeat interval the worker was told at registration: stale/offline are counted in it */
  @Column({ name: 'heartbeat_secs', type: 'int', default: 15 })
  heartbeatSecs: number;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  lastHeartbeatAt: Date;

  /** set by deregister or when the sweeper found it offline (its jobs released) */
  @Column({ name: 'offline_at', type: 'timestamptz', precision: 3, nullable: true })
  offlineAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
