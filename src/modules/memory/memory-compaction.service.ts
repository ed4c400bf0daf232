import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import type { MemoryCompactionSummary } from '@libs/queue/memory-compaction-queue';
import { Injectable, Logger } from '@nestjs/common';
import { MemoryGraphRepository } from './memory-graph.repository';
import { MemoryRepository } from './memory.repository';

const DAY_MS = 86_400_000;
/** tombstones removed per step (one SELECT of ids, one Cypher delete, one SQL delete): bounded memory */
export const COMPACTION_BATCH = 500;
/** orgs read per page */
const ORG_PAGE = 100;

/**
 * The memory compaction (rag-and-memory.md Part B, docs/memory.md "Compaction"): hard-deletes, org
 * by org and in batches, the entries deleted more than MEMORY_TOMBSTONE_RETENTION_DAYS ago. For each
 * batch the `:Memory` nodes go first, then the rows (a graph failure leaves both for the next run;
 * a row failure leaves rows whose nodes are gone, which `POST /memory/sync` or the next run handles),
 * then the nodes of the rows deleted once more (a replay that read a row before it was deleted may
 * have written its node back meanwhile; `MemorySync.push` also removes a node whose row is gone).
 * A live entry is never touched: the DELETE itself requires `deleted_at` before the cutoff.
 * Afterwards `VACUUM (ANALYZE) memories` (or `ANALYZE` where VACUUM is not possible), one audit
 * entry per org that lost rows, one log line.
 */
@Injectable()
export class MemoryCompaction {
  private readonly logger = new Logger(MemoryCompaction.name);
  private stopping = false;

  constructor(
    private readonly repo: MemoryRepository,
    private readonly graph: MemoryGraphRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Shutdown: a running compaction stops after its current batch (the next run goes on from there). */
  requestStop(): void {
    this.stopping = true;
  }

  async run(now = new Date()): Promise<MemoryCompactionSummary> {
    const started = Date.now();
    const retentionDays = this.config.memoryCompaction.retentionDays;
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
    let orgs = 0;
    let deleted = 0;
    let failedOrgs = 0;
    let afterOrgId: string | null = null;
    while (!this.stopping) {
      const page = await this.repo.orgsWithTombstones(cutoff, afterOrgId, ORG_PAGE);
      for (const orgId of page) {
        if (this.stopping) {
          break;
        }
        const r = await this.compactOrg(orgId, cutoff);
        if (r.error) {
          failedOrgs++;
          this.logger.warn(`memory compaction of org ${orgId} stopped: ${r.error}`);
        }
        if (r.deleted > 0) {
          orgs++;
          deleted += r.deleted;
          await this.audit.record({
            orgId,
            category: 'memory',
            action: 'memory.compact',
            result: 'success',
            actor: null,
            target: { type: 'memory' },
            details: {
              deleted: r.deleted,
              retention_days: retentionDays,
              deleted_before: cutoff.toISOString(),
              ...(r.error ? { incomplete: true } : {}),
            },
          });
        }
      }
      if (page.length < ORG_PAGE) {
        break;
      }
      afterOrgId = page[page.length - 1];
    }
    let maintenance: MemoryCompactionSummary['maintenance'] = 'skipped';
    if (deleted > 0) {
      maintenance = await this.repo.maintain().catch((err: Error) => {
        this.logger.warn(`memory compaction: table maintenance failed: ${err.message}`);
        return 'failed' as const;
      });
    }
    const summary: MemoryCompactionSummary = {
      cutoff: cutoff.toISOString(),
      orgs,
      deleted,
      failedOrgs,
      maintenance,
      durationMs: Date.now() - started,
    };
    this.logger.log(
      `memory compaction: ${deleted} tombstones deleted before ${summary.cutoff} in ${orgs} orgs` +
        `${failedOrgs ? `, ${failedOrgs} orgs failed` : ''}, maintenance ${maintenance}, ${summary.durationMs} ms` +
        `${this.stopping ? ' (stopped by shutdown)' : ''}`,
    );
    return summary;
  }

  private async compactOrg(orgId: string, cutoff: Date): Promise<{ deleted: number; error?: string }> {
    let deleted = 0;
    try {
      for (;;) {
        const ids = await this.repo.tombstoneIds(orgId, cutoff, COMPACTION_BATCH);
        if (!ids.length) {
          return { deleted };
        }
        await this.graph.deleteNodes(orgId, ids);
        const gone = await this.repo.hardDeleteTombstones(orgId, ids, cutoff);
        deleted += gone.length;
        if (gone.length) {
          await this.graph.deleteNodes(orgId, gone).catch((err: Error) => {
            this.logger.warn(`memory compaction: second node pass of org ${orgId} failed: ${err.message}`);
          });
        }
        // fewer than a batch: that was the last one; none deleted: nothing more can be (never loop)
        if (ids.length < COMPACTION_BATCH || !gone.length || this.stopping) {
          return { deleted };
        }
      }
    } catch (err) {
      return { deleted, error: (err as Error).message };
    }
  }
}
