import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type WebhookDirection = 'inbound' | 'outbound';

/** What an inbound webhook fires: a task, or an ad-hoc run of an agent. */
export type WebhookTarget =
  | { type: 'task'; task_id: string }
  | { type: 'agent'; agent: string; realm?: string | null; input_template: Record<string, unknown> };

/** `/webhooks`: an inbound endpoint (`/hooks/wh_…`) or an outbound event subscription. */
@Entity('webhooks')
export class WebhookEntity {
  /** `wh_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 10 })
  direction: WebhookDirection;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** inbound only */
  @Column({ type: 'jsonb', nullable: true })
  target: WebhookTarget | null;

  /** outbound only: where deliveries are POSTed */
  @Column({ type: 'text', nullable: true })
  url: string | null;

  /** outbound only: public event names */
  @Column({ type: 'text', array: true, default: '{}' })
  events: string[];

  @Column({ name: 'secret_sealed', type: 'bytea', select: false })
  secretSealed: Buffer;

  @Column({ name: 'secret_preview', type: 'varchar', length: 40 })
  secretPreview: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
