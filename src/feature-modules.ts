import type { DynamicModule, Type } from '@nestjs/common';
import { AUTOMATION_MODULES } from './modules/groups/automation.modules';
import { CHAT_MODULES } from './modules/groups/chat.modules';
import { GOVERNANCE_MODULES } from './modules/groups/governance.modules';
import { IDENTITY_MODULES } from './modules/groups/identity.modules';
import { KNOWLEDGE_MODULES } from './modules/groups/knowledge.modules';
import { RUNTIME_MODULES } from './modules/groups/runtime.modules';
import { SOURCES_MODULES } from './modules/groups/sources.modules';

/** Route-group modules beyond the core (auth, health, openapi), grouped by area. */
export const FEATURE_MODULES: (Type<unknown> | DynamicModule)[] = [
  ...IDENTITY_MODULES,
  ...KNOWLEDGE_MODULES,
  ...SOURCES_MODULES,
  ...CHAT_MODULES,
  ...AUTOMATION_MODULES,
  ...GOVERNANCE_MODULES,
  ...RUNTIME_MODULES,
];
