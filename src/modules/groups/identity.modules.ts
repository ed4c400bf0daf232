import type { DynamicModule, Type } from '@nestjs/common';
import { ActivityModule } from '../activity/activity.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { PlatformModule } from '../platform/platform.module';
import { UsersModule } from '../users/users.module';

/** Route-group modules of the identity area; owned by that area, listed once in feature-modules.ts. */
export const IDENTITY_MODULES: (Type<unknown> | DynamicModule)[] = [
  ApiKeysModule,
  UsersModule,
  PlatformModule,
  ActivityModule,
];
