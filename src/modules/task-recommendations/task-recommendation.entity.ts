import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const RECOMMENDATION_SOURCES = ['chat_patterns', 'graph', 'connector_state'] as const;
export type RecommendationSource = (typeof RECOMMENDATION_SOURCES)[number];
export const RECOMMENDATION_STATUSES = ['open', 'accepted', 'dismissed'] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

@Entity('task_recommendations')
export class TaskRecommendationEntity {
  /** `rec_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** what it is about, e.g. `source_unscheduled:<source id>`: one recommendation per org and fingerprint, ever */
  @Column({ type: 'varchar', length: 300 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 300 })
  title: string;

  @Column({ type: 'text' })
  rationale: string;

  /** a `POST /tasks` body */
  @Column({ name: 'suggested_task', type: 'jsonb' })
  suggestedTask: Record<string, unknown>;

  /** 0..1, higher first in the UI */
  @Column({ type: 'double precision' })
  score: number;

  @Column({ type: 'varchar', length: 30 })
  source: RecommendationSource;

  @Column({ type: 'varchar', length: 20, default: 'open' })
  status: RecommendationStatus;

  /** the task created on accept */
  @Column({ name: 'task_id', type: 'varchar', length: 40, nullable: true })
  taskId: string | null;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', precision: 3, nullable: true })
  decidedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** When the org's recommendations were last computed. */
@Entity('task_recommendation_runs')
export class TaskRecommendationRunEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'computed_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  computedAt: Date;
}
