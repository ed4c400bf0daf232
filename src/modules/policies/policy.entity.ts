import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An org's policy: Cedar `forbid` rules (docs/policies.md). */
@Entity('policies')
export class PolicyEntity {
  /** `pol_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** unique per org */
  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Cedar policy text */
  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** a starter bundle: can be edited and disabled, not deleted */
  @Column({ type: 'boolean', default: false })
  builtin: boolean;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** One version of a policy as it was saved (every create and update). */
@Entity('policy_versions')
export class PolicyVersionEntity {
  /** `polv_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'policy_id', type: 'varchar', length: 40 })
  policyId: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
