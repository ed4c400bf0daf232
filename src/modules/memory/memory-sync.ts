import { Embedder } from '@libs/embeddings';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { MemoryGraphRepository } from './memory-graph.repository';
import type { MemoryEntity } from './memory.entity';
import { MemoryRepository } from './memory.repository';

const BATCH = 200;

/**
 * Keeps the two stores in step: the embedding of an entry (PostgreSQL) and its `:Memory` node
 * (Neo4j). A failed graph write leaves `graph_synced = false`; `replay` (POST /memory/sync) pushes
 * those again (or every entry), re-embedding the live ones that have no vector of the current model.
 */
@Injectable()
export class MemorySync implements OnModuleDestroy {
  private readonly logger = new Logger(MemorySync.name);
  /** orgs with a replay running in this process */
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly repo: MemoryRepository,
    private readonly graph: MemoryGraphRepository,
    private readonly embedder: Embedder,
  ) {}

  /** The unit vector of `text`, or null when the embedder fails (the entry is then ranked without similarity). */
  async embed(
    text: string,
  ): Promise<{ embedding: number[]; embeddingModel: string } | { embedding: null; embeddingModel: null }> {
    try {
      const [v] = await this.embedder.embed([text]);
      return { embedding: Array.from(v), embeddingModel: this.embedder.model };
    } catch (err) {
      this.logger.warn(`embedding a memory failed: ${(err as Error).message}`);
      return { embedding: null, embeddingModel: null };
    }
  }

  /** Writes the entry's node (a tombstone once deleted); records whether it worked. */
  async push(m: MemoryEntity): Promise<boolean> {
    let ok = true;
    try {
      await this.graph.upsert(m);
    } catch (err) {
      ok = false;
      this.logger.warn(`graph sync of memory ${m.id} failed: ${(err as Error).message}`);
    }
    if ((await this.repo.setGraphSynced(m.id, ok)) === false && ok) {
      // the row was hard-deleted (compaction) while this push ran: never leave its node behind
      await this.graph.deleteNodes(m.orgId, [m.id]).catch((err: Error) => {
        this.logger.warn(`removing the node of compacted memory ${m.id} failed: ${err.message}`);
      });
      return false;
    }
    m.graphSynced = ok;
    return ok;
  }

  /** Starts a replay for the org in the background (one at a time per org and process). */
  async replay(orgId: string, all: boolean): Promise<{ status: 'started' | 'running'; pending: number }> {
    const pending = await this.repo.countToSync(orgId, all);
    if (this.running.has(orgId)) {
      return { status: 'running', pending };
    }
    const run = this.run(orgId, all)
      .catch((err: Error) => this.logger.warn(`memory sync of org ${orgId} failed: ${err.message}`))
      .finally(() => this.running.delete(orgId));
    this.running.set(orgId, run);
    return { status: 'started', pending };
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  private async run(orgId: string, all: boolean): Promise<void> {
    let afterId = '';
    for (;;) {
      const rows = await this.repo.toSync(orgId, all, afterId, BATCH);
      if (!rows.length) {
        return;
      }
      for (const m of rows) {
        if (!m.deletedAt && (!m.embedding || m.embeddingModel !== this.embedder.model)) {
          const e = await this.embed(m.text);
          if (e.embedding) {
            await this.repo.setEmbedding(m.id, e.embedding, e.embeddingModel);
          }
        }
        await this.push(m);
      }
      afterId = rows[rows.length - 1].id;
    }
  }
}
