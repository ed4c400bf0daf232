import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { WebhookDirection } from './webhook.entity';

/** inbound: accepted | rejected | failed; outbound: pending → succeeded | dead */
export type DeliveryStatus = 'accepted' | 'rejected' | 'failed' | 'pending' | 'succeeded' | 'dead';
/** hook: `/hooks/*`; sample: `/webhook-samples/:id/run`; replay: inbound replay; event: outbound; redeliver: outbound re-send */
export type DeliverySource = 'hook' | 'sample' | 'replay' | 'event' | 'redeliver';

/**
 * One row per inbound call on `/hooks/*` (and sample runs, replays) and per outbound delivery.
 * Outbound rows are also the outbox: `pending` rows whose `next_attempt_at` is due are claimed by a
 * dispatcher (`lease_until` set) in any API/worker process.
 */
@Entity('webhook_deliveries')
export class WebhookDeliveryEntity {
  /** `dlv_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** `wh_…`, or the `task_…` whose own webhook trigger was called */
  @Column({ name: 'webhook_id', type: 'varchar', length: 40 })
  webhookId: string;

  @Column({ type: 'varchar', length: 10 })
  direction: WebhookDirection;

  @Column({ type: 'varchar', length: 20 })
  source: DeliverySource;

  @Column({ type: 'varchar', length: 20 })
  status: DeliveryStatus;

  /** outbound: public event name */
  @Column({ name: 'event_type', type: 'varchar', length: 100, nullable: true })
  eventType: string | null;

  /** inbound: the status we answered; outbound: the receiver's last response status */
  @Column({ name: 'http_status', type: 'int', nullable: true })
  httpStatus: number | null;

  @Column({ name: 'reject_reason', type: 'varchar', length: 40, nullable: true })
  rejectReason: string | null;

  @Column({ name: 'signature_valid', type: 'boolean', nullable: true })
  signatureValid: boolean | null;

  @Column({ name: 'content_type', type: 'varchar', length: 200, nullable: true })
  contentType: string | null;

  @Column({ name: 'size_bytes', type: 'int', default: 0 })
  sizeBytes: number;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp: string | null;

  /** redacted request headers */
  @Column({ type: 'jsonb', nullable: true })
  headers: Record<string, string> | null;

  /** redacted request body, cut at 64 KB */
  @Column({ type: 'text', nullable: true })
  body: string | null;

  @Column({ name: 'body_truncated', type: 'boolean', default: false })
  bodyTruncated: boolean;

  @Column({ type: 'jsonb', nullable: true })
  query: Record<string, unknown> | null;

  /** outbound: the event envelope sent (kept whole so retries send the same bytes) */
  @Column({ type: 'jsonb', nullable: true })
  payload: Record<string, unknown> | null;

  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'latency_ms', type: 'int', nullable: true })
  latencyMs: number | null;

  @Column({ name: 'error_code', type: 'varchar', length: 60, nullable: true })
  errorCode: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3, nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: 'lease_until', type: 'timestamptz', precision: 3, nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'leased_by', type: 'varchar', length: 64, nullable: true })
  leasedBy: string | null;

  /** the install (REDIS_PREFIX) whose dispatchers may claim the row (one database, several installs or test runs) */
  @Column({ type: 'varchar', length: 200, default: '' })
  deployment: string;

  @Column({ name: 'run_id', type: 'varchar', length: 40, nullable: true })
  runId: string | null;

  /** the delivery this one replays (inbound) or re-sends (outbound) */
  @Column({ name: 'replay_of', type: 'varchar', length: 40, nullable: true })
  replayOf: string | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', precision: 3, nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
