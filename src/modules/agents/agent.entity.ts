import { BaseEntity } from '@libs/database/base.entity';
import { Column, Entity } from 'typeorm';
import type { ApprovalDefaults } from '../settings/settings.types';

@Entity('agents')
export class AgentEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ name: 'system_prompt', type: 'text', nullable: true })
  systemPrompt: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  model: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ type: 'text', array: true, default: '{}' })
  skills: string[];

  /** connector types or source names; null = every connector */
  @Column({ name: 'allowed_connectors', type: 'text', array: true, nullable: true })
  allowedConnectors: string[] | null;

  /** per-effect overrides of the org approval defaults; null = org defaults */
  @Column({ name: 'approval_overrides', type: 'jsonb', nullable: true })
  approvalOverrides: Partial<ApprovalDefaults> | null;

  @Column({ name: 'max_iterations', type: 'integer', default: 20 })
  maxIterations: number;

  @Column({ type: 'boolean', default: false })
  builtin: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;
}
