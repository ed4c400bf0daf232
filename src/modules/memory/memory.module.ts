import { Module } from '@nestjs/common';

/** `/memory`: org memory with recall and graph sync (docs/memory.md). */
@Module({})
export class MemoryModule {}
