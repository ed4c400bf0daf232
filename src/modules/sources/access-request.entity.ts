import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const ACCESS_REQUEST_STATUSES = ['pending', 'granted', 'rejected'] as const;
export type AccessRequestStatus = (typeof ACCESS_REQUEST_STATUSES)[number];

@Entity('access_requests')
export class AccessRequestEntity {
  /** `acr_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** connector type or source name, as the model asked for it */
  @Column({ type: 'varchar', length: 200 })
  connector: string;

  @Column({ type: 'text', default: '' })
  reason: string;

  @Column({ name: 'conversation_id', type: 'varchar', length: 64, nullable: true })
  conversationId: string | null;

  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status: AccessRequestStatus;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', precision: 3, nullable: true })
  decidedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
