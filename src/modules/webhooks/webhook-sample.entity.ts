import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An org's saved sample payload (`/webhook-samples`); built-ins live in code (builtin-samples.ts). */
@Entity('webhook_samples')
export class WebhookSampleEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** slug of the name */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'jsonb' })
  payload: unknown;

  @Column({ type: 'jsonb', nullable: true })
  headers: Record<string, string> | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
