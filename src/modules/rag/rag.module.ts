import { Module } from '@nestjs/common';

/** `/rag`: documents, chunks and embeddings, hybrid search with citations (docs/rag.md). */
@Module({})
export class RagModule {}
