import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const SKILL_STATUSES = ['draft', 'pending_approval', 'approved', 'rejected', 'archived'] as const;
export type SkillStatus = (typeof SKILL_STATUSES)[number];
export const SKILL_ORIGINS = ['custom', 'registry', 'builtin'] as const;
export type SkillOrigin = (typeof SKILL_ORIGINS)[number];

/** One version of a markdown skill (skills.md §2); `(org_id, slug, version)` is unique. */
@Entity('skills')
export class SkillEntity {
  /** `skl_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 120 })
  slug: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'varchar', length: 40 })
  version: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  author: string | null;

  @Column({ type: 'text', array: true, default: '{}' })
  tags: string[];

  @Column({ type: 'text' })
  body: string;

  @Column({ name: 'char_count', type: 'int' })
  charCount: number;

  @Column({ type: 'varchar', length: 20, default: 'custom' })
  origin: SkillOrigin;

  @Column({ type: 'varchar', length: 20, default: 'draft' })
  status: SkillStatus;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  /** who moved it to pending_approval last */
  @Column({ name: 'submitted_by', type: 'uuid', nullable: true })
  submittedBy: string | null;

  @Column({ name: 'reviewed_by', type: 'uuid', nullable: true })
  reviewedBy: string | null;

  @Column({ name: 'review_note', type: 'text', nullable: true })
  reviewNote: string | null;

  @Column({ name: 'reviewed_at', type: 'timestamptz', precision: 3, nullable: true })
  reviewedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/**
 * A skill slug switched on (`enabled`) or off for one conversation. Off rows exist only to switch
 * off an agent skill, which is otherwise on for every conversation of that agent.
 */
@Entity('conversation_skills')
export class ConversationSkillEntity {
  @PrimaryColumn({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  @PrimaryColumn({ type: 'varchar', length: 120 })
  slug: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'enabled_by', type: 'uuid', nullable: true })
  enabledBy: string | null;

  /** enable order = prompt order */
  @Column({ name: 'enabled_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  enabledAt: Date;
}
