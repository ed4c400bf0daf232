import type { DynamicModule, Type } from '@nestjs/common';

/** Route-group modules beyond the core (auth, health, openapi). One line per module. */
export const FEATURE_MODULES: (Type<unknown> | DynamicModule)[] = [];
