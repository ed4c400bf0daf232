import { MetricsModule } from '@libs/metrics/metrics.module';
import { Module } from '@nestjs/common';
import { IngestQueue } from './ingest-queue.service';
import { TaskRunQueue } from './task-run-queue.service';

/** Queue producers shared by every module; consumers (workers) are started by the owning module. */
@Module({ imports: [MetricsModule], providers: [IngestQueue, TaskRunQueue], exports: [IngestQueue, TaskRunQueue] })
export class QueueModule {}
