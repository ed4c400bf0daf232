import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ChannelPostTarget } from '../channels/channel-post.contract';

/** A scheduled channel message: a backing schedule task whose run answers are posted to a channel. */
@Entity('cron_channels')
export class CronChannelEntity {
  /** `crc_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** channel type: slack | webhook */
  @Column({ type: 'varchar', length: 20 })
  channel: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  target: ChannelPostTarget;

  @Column({ type: 'varchar', length: 200 })
  cron: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  timezone: string | null;

  @Column({ type: 'varchar', length: 200 })
  agent: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ type: 'text' })
  prompt: string;

  /** the backing task (`task_…`) */
  @Column({ name: 'task_id', type: 'varchar', length: 40 })
  taskId: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'last_run_at', type: 'timestamptz', precision: 3, nullable: true })
  lastRunAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
