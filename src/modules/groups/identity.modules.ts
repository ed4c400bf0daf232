import type { DynamicModule, Type } from '@nestjs/common';

/** Route-group modules of the identity area; owned by that area, listed once in feature-modules.ts. */
export const IDENTITY_MODULES: (Type<unknown> | DynamicModule)[] = [];
