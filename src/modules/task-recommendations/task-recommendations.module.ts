import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatModule } from '../chat/chat.module';
import { SourcesStoreModule } from '../sources/sources-store.module';
import { SourcesModule } from '../sources/sources.module';
import { TasksModule } from '../tasks/tasks.module';
import { RecommendationEngine } from './recommendation-engine';
import { TaskRecommendationEntity, TaskRecommendationRunEntity } from './task-recommendation.entity';
import { TaskRecommendationsController } from './task-recommendations.controller';
import { TaskRecommendationsRepository } from './task-recommendations.repository';
import { TaskRecommendationsService } from './task-recommendations.service';

/**
 * `/task-recommendations`: tasks suggested from what the org has (docs/task-recommendations.md).
 * Reads sources (SourcesContract, ToolCatalogPort), pending approvals (ChatModule) and tasks
 * (TasksContract, which also creates the accepted ones).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([TaskRecommendationEntity, TaskRecommendationRunEntity]),
    EventsModule,
    SourcesStoreModule,
    SourcesModule,
    ChatModule,
    TasksModule,
    IdempotencyModule,
  ],
  controllers: [TaskRecommendationsController],
  providers: [TaskRecommendationsRepository, RecommendationEngine, TaskRecommendationsService],
})
export class TaskRecommendationsModule {}
