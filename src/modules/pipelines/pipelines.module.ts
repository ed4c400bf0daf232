import { EventsModule } from '@libs/events';
import { GraphModule } from '@libs/graph/graph.module';
import { IdempotencyModule } from '@libs/idempotency';
import { PipelineScheduleQueue } from '@libs/queue/pipeline-schedule-queue';
import { ReplicaPresenceModule } from '@libs/redis/replica-presence.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { OrgToolGateModule } from '../policies/policy-enforcement.module';
import { SettingsModule } from '../settings/settings.module';
import { SourcesModule } from '../sources/sources.module';
import { PipelineAgentController, PipelineAgentTokenController } from './pipeline-agent.controller';
import { PipelineAgentService } from './pipeline-agent.service';
import { PipelineGraphRepository } from './pipeline-graph.repository';
import { PipelineRunSweeper } from './pipeline-run-sweeper';
import { PipelineRunner } from './pipeline-runner.service';
import { PipelineScheduler } from './pipeline-scheduler.service';
import { PipelineEntity, PipelineRunEntity } from './pipeline.entity';
import { PipelineRunsContract } from './pipelines.contract';
import { PipelinesController } from './pipelines.controller';
import { PipelinesRepository } from './pipelines.repository';
import { PipelinesService } from './pipelines.service';

/** `/pipelines`: versioned connector-driven pipelines, schedules, runs, retry and revert (docs/pipelines.md). */
@Module({
  imports: [
    TypeOrmModule.forFeature([PipelineEntity, PipelineRunEntity]),
    SourcesModule,
    GraphModule,
    EventsModule,
    ReplicaPresenceModule,
    IdempotencyModule,
    AuthModule,
    OrgToolGateModule,
    SettingsModule,
  ],
  controllers: [PipelinesController, PipelineAgentTokenController, PipelineAgentController],
  providers: [
    PipelinesRepository,
    PipelineGraphRepository,
    PipelineRunner,
    PipelineRunSweeper,
    PipelinesService,
    PipelineScheduleQueue,
    PipelineScheduler,
    PipelineAgentService,
    { provide: PipelineRunsContract, useExisting: PipelinesRepository },
  ],
  exports: [PipelineRunsContract],
})
export class PipelinesModule {}
