import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const PIPELINE_KINDS = ['webhook', 'filedrop', 'connector'] as const;
export type PipelineKind = (typeof PIPELINE_KINDS)[number];
export const TARGET_TABLES = ['context_events', 'context_nodes', 'context_edges'] as const;
export type TargetTable = (typeof TARGET_TABLES)[number];

const bigintAsNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? 0 : Number(v)) };

/** A continuous-ingest pipeline (`cpl_…`): where records sent with its tokens land. */
@Entity('context_pipelines')
export class ContextPipelineEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 20 })
  kind: PipelineKind;

  @Column({ name: 'target_table', type: 'varchar', length: 20 })
  targetTable: TargetTable;

  @Column({ type: 'varchar', length: 100, default: 'default' })
  realm: string;

  @Column({ name: 'require_signature', type: 'boolean', default: false })
  requireSignature: boolean;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** One credential of a pipeline (`ctk_…`); only the sha256 of the `ctx_…` token is stored. */
@Entity('context_pipeline_tokens')
export class ContextPipelineTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'pipeline_id', type: 'varchar', length: 40 })
  pipelineId: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  name: string | null;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  /** first characters of the token, to tell tokens apart in lists */
  @Column({ type: 'varchar', length: 12 })
  prefix: string;

  /** HMAC key for `X-Agentcy-Signature`, sealed with SecretBox */
  @Column({ name: 'signing_secret_sealed', type: 'bytea', nullable: true, select: false })
  signingSecretSealed: Buffer | null;

  @Column({ name: 'has_signing_secret', type: 'boolean', default: false })
  hasSigningSecret: boolean;

  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

/** A record landed in `context_events`. */
@Entity('context_events')
export class ContextEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'pipeline_id', type: 'varchar', length: 40 })
  pipelineId: string;

  @Column({ type: 'varchar', length: 100 })
  realm: string;

  @Column({ type: 'timestamptz', precision: 3 })
  ts: Date;

  @Column({ name: 'received_at', type: 'timestamptz', precision: 3 })
  receivedAt: Date;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;
}

/** Counts of one pipeline in one 1-minute window (a webhook pipeline's "run"). */
@Entity('context_pipeline_runs')
export class ContextPipelineRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'pipeline_id', type: 'varchar', length: 40 })
  pipelineId: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'window_start', type: 'timestamptz', precision: 3 })
  windowStart: Date;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  accepted: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  rejected: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  bytes: number;

  @Column({ type: 'integer', default: 0 })
  requests: number;
}
