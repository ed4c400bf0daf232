import { Module } from '@nestjs/common';

/** Worker daemons (/workers daemon routes on WORKER_TOKEN) and the user routes behind features.workers (docs/workers.md). */
@Module({})
export class WorkersModule {}
