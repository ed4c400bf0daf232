import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { CryptoModule } from '@libs/crypto';
import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { QueueModule } from '@libs/queue';
import { HookInboxModule } from '@libs/queue/hook-inbox';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentsModule } from '../agents/agents.module';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { ChatModule } from '../chat/chat.module';
import { SettingsModule } from '../settings/settings.module';
import { LifecycleTriggers } from './lifecycle-triggers';
import { TaskAdminContract } from './task-admin.contract';
import { TaskRunExecutor } from './task-run-executor';
import { TaskRunState } from './task-run-state';
import { TaskRunsService } from './task-runs.service';
import { TaskEntity, TaskRunEntity } from './task.entity';
import { TasksContractService } from './tasks-contract.service';
import { TasksContract } from './tasks.contract';
import { TasksController } from './tasks.controller';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

/**
 * `/tasks`: scheduled, webhook, lifecycle and manual tasks and their runs (docs/tasks.md). Runs are agent
 * turns started through ChatModule's ChatTurnsContract; queues in libs/queue (TaskRunQueue).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([TaskEntity, TaskRunEntity]),
    CryptoModule,
    EventsModule,
    HookInboxModule,
    PrincipalChangesModule,
    QueueModule,
    AgentsModule,
    ArtifactsModule,
    SettingsModule,
    ChatModule,
    IdempotencyModule,
  ],
  controllers: [TasksController],
  providers: [
    TasksRepository,
    TaskRunState,
    TaskRunsService,
    TasksService,
    TaskRunExecutor,
    LifecycleTriggers,
    TasksContractService,
    { provide: TasksContract, useExisting: TasksContractService },
    { provide: TaskAdminContract, useExisting: TasksContractService },
  ],
  exports: [TasksContract, TaskAdminContract],
})
export class TasksModule {}
