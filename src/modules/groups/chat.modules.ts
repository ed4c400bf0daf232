import type { DynamicModule, Type } from '@nestjs/common';

/** Route-group modules of the chat area; owned by that area, listed once in feature-modules.ts. */
export const CHAT_MODULES: (Type<unknown> | DynamicModule)[] = [];
