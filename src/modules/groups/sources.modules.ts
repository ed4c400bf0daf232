import type { DynamicModule, Type } from '@nestjs/common';

/** Route-group modules of the sources area; owned by that area, listed once in feature-modules.ts. */
export const SOURCES_MODULES: (Type<unknown> | DynamicModule)[] = [];
