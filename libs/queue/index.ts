export * from './fair-slots';
export * from './ingest-queue.service';
export * from './ingest-worker';
export * from './queue.constants';
export * from './queue.module';
export * from './task-run-queue.service';
export * from './task-run-worker';
