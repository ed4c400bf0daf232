import { AppConfig } from '@libs/config';
import { Embedder } from '@libs/embeddings';
import { Injectable } from '@nestjs/common';
import { rankMemories } from './memory-scoring';
import type { RecallOptions, RecalledMemory } from './memory.contract';
import type { MemoryEntity } from './memory.entity';
import { MemoryRepository } from './memory.repository';

/**
 * Recall: embed the query, take the org's most recently updated live entries that pass the realm
 * and kind filter (at most MEMORY_RECALL_MAX_CANDIDATES), rank them in process (memory-scoring.ts).
 * An entry embedded by another model counts as having no vector.
 */
@Injectable()
export class MemoryRecall {
  constructor(
    private readonly repo: MemoryRepository,
    private readonly embedder: Embedder,
    private readonly config: AppConfig,
  ) {}

  async rank(orgId: string, query: string, opts: RecallOptions): Promise<{ memory: MemoryEntity; score: number }[]> {
    const rows = await this.repo.candidates(
      orgId,
      { realm: opts.realm, kinds: opts.kinds },
      this.config.memoryRecallMaxCandidates,
    );
    if (!rows.length) {
      return [];
    }
    const [vector] = await this.embedder.embed([query]);
    const model = this.embedder.model;
    const candidates = rows.map((m) => ({
      m,
      kind: m.kind,
      updatedAt: m.updatedAt,
      vector: m.embedding && m.embeddingModel === model ? m.embedding : null,
    }));
    return rankMemories(vector, candidates, opts.topK).map((r) => ({ memory: r.item.m, score: r.score }));
  }

  async recall(orgId: string, query: string, opts: RecallOptions): Promise<RecalledMemory[]> {
    return (await this.rank(orgId, query, opts)).map(({ memory, score }) => ({
      id: memory.id,
      kind: memory.kind,
      text: memory.text,
      realm: memory.realm,
      score,
    }));
  }
}
