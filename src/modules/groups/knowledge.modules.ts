import type { DynamicModule, Type } from '@nestjs/common';

/** Route-group modules of the knowledge area; owned by that area, listed once in feature-modules.ts. */
export const KNOWLEDGE_MODULES: (Type<unknown> | DynamicModule)[] = [];
