import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Where an artifact came from (misc-routes.md §3; `upload` = POST /artifacts). */
export const ARTIFACT_SOURCE_TYPES = ['upload', 'chat', 'task_run', 'ciab', 'snapshot'] as const;
export type ArtifactSourceType = (typeof ARTIFACT_SOURCE_TYPES)[number];

const bigintAsNumber = { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/** A stored file of an org: metadata here, the bytes in the configured `BlobStore` under `storage_key`. */
@Entity('artifacts')
export class ArtifactEntity {
  /** `art_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** sanitised file name (never a path); only ever shown and put in Content-Disposition */
  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description: string | null;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber })
  sizeBytes: number;

  /** sniffed from the bytes; what downloads are served as */
  @Column({ name: 'content_type', type: 'varchar', length: 100 })
  contentType: string;

  /** what the uploader claimed; recorded, never trusted */
  @Column({ name: 'declared_content_type', type: 'varchar', length: 255, nullable: true })
  declaredContentType: string | null;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  /** backend holding the bytes when it was written */
  @Column({ type: 'varchar', length: 10 })
  storage: 'local' | 's3';

  /** `<org_id>/<art_id>`: built from ids only */
  @Column({ name: 'storage_key', type: 'varchar', length: 200 })
  storageKey: string;

  @Column({ name: 'source_type', type: 'varchar', length: 20, default: 'upload' })
  sourceType: ArtifactSourceType;

  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ name: 'conversation_id', type: 'varchar', length: 64, nullable: true })
  conversationId: string | null;

  @Column({ name: 'task_run_id', type: 'varchar', length: 64, nullable: true })
  taskRunId: string | null;

  @Column({ name: 'tool_call_id', type: 'varchar', length: 64, nullable: true })
  toolCallId: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
