import { Module } from '@nestjs/common';

/** `/tasks`: scheduled, webhook and manual tasks and their runs (docs/tasks.md). */
@Module({})
export class TasksModule {}
