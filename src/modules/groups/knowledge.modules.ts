import type { DynamicModule, Type } from '@nestjs/common';
import { GraphApiModule } from '../graph/graph.module';
import { RealmsModule } from '../realms/realms.module';
import { WsModule } from '../ws/ws.module';

/** Route-group modules of the knowledge area; owned by that area, listed once in feature-modules.ts. */
export const KNOWLEDGE_MODULES: (Type<unknown> | DynamicModule)[] = [GraphApiModule, RealmsModule, WsModule];
