import { Module } from '@nestjs/common';

/** `/task-recommendations`: tasks suggested from what the org has (docs/tasks.md). */
@Module({})
export class TaskRecommendationsModule {}
