import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const BUILTIN_MEMORY_KINDS = ['fact', 'preference', 'incident', 'contact', 'relationship'] as const;
export const MEMORY_KIND_RE = /^[a-z][a-z0-9_-]{0,39}$/;

export interface MemorySource {
  type: 'chat' | 'api' | 'task' | 'channel';
  conversation_id?: string;
}

/** One org memory entry (rag-and-memory.md Part B); the `:Memory` graph node mirrors it. */
@Entity('memories')
export class MemoryEntity {
  /** `mem_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** a built-in kind or any lowercase slug */
  @Column({ type: 'varchar', length: 40 })
  kind: string;

  @Column({ type: 'text' })
  text: string;

  /** sha256 of the normalised text: duplicates (same org, realm, kind) are found by it */
  @Column({ name: 'text_hash', type: 'varchar', length: 64 })
  textHash: string;

  /** null = realm-less (recalled in every conversation) */
  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ type: 'text', array: true, default: '{}' })
  tags: string[];

  /** graph node ids (`n_…`) the memory is about: MENTIONS edges in the graph */
  @Column({ name: 'subject_node_ids', type: 'text', array: true, default: '{}' })
  subjectNodeIds: string[];

  @Column({ type: 'jsonb', default: {} })
  source: MemorySource;

  /** unit vector of `text` (null when embedding failed: recall then ranks it by recency and kind only) */
  @Column({ type: 'real', array: true, nullable: true })
  embedding: number[] | null;

  /** the embedder that produced `embedding`; another model's vector is not compared */
  @Column({ name: 'embedding_model', type: 'varchar', length: 120, nullable: true })
  embeddingModel: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ name: 'graph_synced', type: 'boolean', default: false })
  graphSynced: boolean;

  @Column({ name: 'deleted_at', type: 'timestamptz', precision: 3, nullable: true })
  deletedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
