import type { DynamicModule, Type } from '@nestjs/common';
import { AuditLogModule } from '../audit-log/audit-log.module';
import { MemoryModule } from '../memory/memory.module';
import { PoliciesModule } from '../policies/policies.module';
import { RagModule } from '../rag/rag.module';
import { SkillsModule } from '../skills/skills.module';

/**
 * Route-group modules of the governance and knowledge area; owned by that area, listed once in
 * feature-modules.ts. AuditLogModule comes before PoliciesModule: its `/policies/audit…` routes must
 * be registered before `/policies/:id`.
 */
export const GOVERNANCE_MODULES: (Type<unknown> | DynamicModule)[] = [
  AuditLogModule,
  PoliciesModule,
  SkillsModule,
  MemoryModule,
  RagModule,
];
