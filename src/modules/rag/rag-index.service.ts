import type { Principal } from '@libs/auth/principal';
import { prefixedId } from '@libs/database/ids';
import { Injectable, Logger } from '@nestjs/common';
import type { RagReindexJobDto, RagStatusDto } from './dto/rag.dto';
import { RagDocumentsService } from './rag-documents.service';
import { RagEmbeddings } from './rag-embeddings';
import { RagRepository } from './rag.repository';

const BATCH = 64;

/**
 * `POST /rag/reindex` and `GET /rag/status`. A reindex marks the org's chunks pending and
 * re-embeds them in the background, batch by batch, in this process; the pending count lives on
 * the chunks (Neo4j), so status is true on every replica and a reindex cut short by a restart
 * resumes with the next `POST /rag/reindex`. Chunks embedded by another model count as pending.
 */
@Injectable()
export class RagIndexService {
  private readonly logger = new Logger(RagIndexService.name);
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: RagRepository,
    private readonly embeddings: RagEmbeddings,
    private readonly documents: RagDocumentsService,
  ) {}

  async reindex(p: Principal, realm: string | undefined): Promise<RagReindexJobDto> {
    if (realm) {
      await this.documents.assertRealm(p.orgId, realm, 'realm');
    }
    await this.embeddings.ready();
    await this.repo.markPending(p.orgId, realm);
    const { pending } = await this.repo.counts(p.orgId, this.embeddings.model);
    const jobId = prefixedId('ragjob');
    if (!this.running.has(p.orgId)) {
      const run = this.drain(p.orgId, jobId)
        .catch((err: Error) => this.logger.error(`reindex ${jobId} of org ${p.orgId} failed: ${err.message}`))
        .finally(() => this.running.delete(p.orgId));
      this.running.set(p.orgId, run);
    }
    return { job_id: jobId, status: 'running', pending };
  }

  private async drain(orgId: string, jobId: string): Promise<void> {
    let done = 0;
    for (;;) {
      const batch = await this.repo.pendingChunks(orgId, this.embeddings.model, BATCH);
      if (!batch.length) {
        break;
      }
      const vectors = await this.embeddings.embed(batch.map((b) => `${b.title}\n${b.text}`));
      await this.repo.setEmbeddings(
        orgId,
        this.embeddings.model,
        batch.map((b, i) => ({ id: b.id, embedding: vectors[i] })),
      );
      done += batch.length;
    }
    this.logger.log(`reindex ${jobId}: ${done} chunks embedded with ${this.embeddings.model}`);
  }

  /** Resolves when this process has no reindex running for the org (tests, shutdown). */
  async idle(orgId: string): Promise<void> {
    await this.running.get(orgId);
  }

  async status(p: Principal): Promise<RagStatusDto> {
    await this.embeddings.ready();
    const c = await this.repo.counts(p.orgId, this.embeddings.model);
    return {
      model: this.embeddings.model,
      dims: this.embeddings.dimensions,
      documents: c.documents,
      chunks: c.chunks,
      indexed_chunks: c.indexedChunks,
      pending: c.pending,
      reindexing: this.running.has(p.orgId),
      last_indexed_at: c.lastIndexedAt,
    };
  }
}
