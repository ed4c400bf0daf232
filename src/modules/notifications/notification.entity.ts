import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What a notification is about (misc-routes.md §4, plus `task_run.finished`). */
export const NOTIFICATION_TYPES = [
  'approval.pending',
  'approval.expired',
  'task_run.failed',
  'task_run.finished',
  'sync_job.failed',
  'access_request.created',
  'skill.review_requested',
  'skill.reviewed',
  'invite.accepted',
  'channel.disconnected',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

@Entity('notifications')
export class NotificationEntity {
  /** `ntf_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** the recipient: nobody else sees it */
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'varchar', length: 60 })
  type: NotificationType;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  @Column({ type: 'text', default: '' })
  body: string;

  /** API path of what it is about, e.g. `/api/v1/chat/approvals/apr_…` */
  @Column({ type: 'varchar', length: 500, nullable: true })
  link: string | null;

  @Column({ type: 'jsonb', default: {} })
  data: Record<string, unknown>;

  /** one notification per recipient and key (e.g. `approval:apr_…`), whoever tries to create it again */
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200, nullable: true })
  dedupeKey: string | null;

  @Column({ name: 'read_at', type: 'timestamptz', precision: 3, nullable: true })
  readAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

/** A user's delivery choices; no row = the defaults (no e-mail). */
@Entity('notification_preferences')
export class NotificationPreferenceEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'email_enabled', type: 'boolean', default: false })
  emailEnabled: boolean;

  /** the types e-mailed when enabled; empty = every type */
  @Column({ name: 'email_kinds', type: 'text', array: true, default: '{}' })
  emailKinds: string[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
