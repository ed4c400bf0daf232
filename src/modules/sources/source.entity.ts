import { BaseEntity } from '@libs/database/base.entity';
import { Column, Entity } from 'typeorm';

export type SourceStatus = 'ready' | 'invalid' | 'syncing' | 'error' | 'disabled';
export type SyncMode = 'full' | 'incremental';

@Entity('sources')
export class SourceEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'source_type', type: 'varchar', length: 64 })
  sourceType: string;

  @Column({ type: 'varchar', length: 100 })
  realm: string;

  /** non-secret config keys */
  @Column({ type: 'jsonb', default: {} })
  config: Record<string, unknown>;

  /** secret config keys, SecretBox-sealed JSON */
  @Column({ type: 'bytea', nullable: true })
  secrets: Buffer | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'varchar', length: 100, nullable: true })
  schedule: string | null;

  @Column({ name: 'sync_mode', type: 'varchar', length: 20, default: 'full' })
  syncMode: SyncMode;

  @Column({ name: 'sync_cursor', type: 'jsonb', nullable: true })
  syncCursor: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 20, default: 'ready' })
  status: SourceStatus;

  @Column({ name: 'status_detail', type: 'jsonb', nullable: true })
  statusDetail: Record<string, unknown> | null;

  @Column({ name: 'last_job_id', type: 'uuid', nullable: true })
  lastJobId: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;
}
