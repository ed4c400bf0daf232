import { EmbeddingsModule } from '@libs/embeddings';
import { GraphModule } from '@libs/graph/graph.module';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { RealmsModule } from '../realms/realms.module';
import { OrgFeaturesModule, OrgLlmModule } from '../settings/org-settings.module';
import { RagAnswerService } from './rag-answer.service';
import { RagDocumentsService } from './rag-documents.service';
import { RagEmbeddings } from './rag-embeddings';
import { RagIndexService } from './rag-index.service';
import { RagSearchService } from './rag-search.service';
import { RagSearchContract } from './rag.contract';
import { RagController } from './rag.controller';
import { RagRepository } from './rag.repository';

/**
 * `/rag`: documents, chunks and embeddings, hybrid search with citations, answers (docs/rag.md).
 * Exports `RagSearchContract` (the chat's `rag_search` tool).
 */
@Module({
  imports: [GraphModule, EmbeddingsModule, RealmsModule, OrgLlmModule, OrgFeaturesModule, IdempotencyModule],
  controllers: [RagController],
  providers: [
    RagRepository,
    RagEmbeddings,
    RagDocumentsService,
    RagSearchService,
    RagAnswerService,
    RagIndexService,
    { provide: RagSearchContract, useExisting: RagSearchService },
  ],
  exports: [RagSearchContract],
})
export class RagModule {}
