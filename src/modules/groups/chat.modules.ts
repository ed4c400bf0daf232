import type { DynamicModule, Type } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { ChatModule } from '../chat/chat.module';
import { SettingsModule } from '../settings/settings.module';

/** Route-group modules of the chat area; owned by that area, listed once in feature-modules.ts. */
export const CHAT_MODULES: (Type<unknown> | DynamicModule)[] = [SettingsModule, AgentsModule, ChatModule];
