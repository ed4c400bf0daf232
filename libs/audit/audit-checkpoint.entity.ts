import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Where retention cut an org's chain: the last removed entry's `seq` and `hash`, signed (HMAC under a
 * key derived from ENCRYPTION_KEY) so the verifier can start from it.
 */
@Entity('audit_checkpoints')
export class AuditCheckpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** org id, or the install-level key for entries without an org */
  @Column({ name: 'org_key', type: 'uuid' })
  orgKey: string;

  @Column({ name: 'org_id', type: 'uuid', nullable: true })
  orgId: string | null;

  @Column({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  @Column({ name: 'cut_at', type: 'timestamptz', precision: 3 })
  cutAt: Date;

  @Column({ type: 'varchar', length: 64 })
  signature: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
