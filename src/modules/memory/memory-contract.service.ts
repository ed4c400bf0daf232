import { AuditService } from '@libs/audit';
import { Injectable } from '@nestjs/common';
import { MemoryRecall } from './memory-recall';
import { MemoryContract, type RecalledMemory, type RecallOptions, type RememberInput } from './memory.contract';
import { MemoryService } from './memory.service';

/** MemoryContract for the chat loop: recall through MemoryRecall, writes through MemoryService.store. */
@Injectable()
export class MemoryContractService extends MemoryContract {
  constructor(
    private readonly recaller: MemoryRecall,
    private readonly memories: MemoryService,
    private readonly audit: AuditService,
  ) {
    super();
  }

  recall(orgId: string, query: string, opts: RecallOptions): Promise<RecalledMemory[]> {
    return this.recaller.recall(orgId, query, opts);
  }

  async remember(orgId: string, entry: RememberInput): Promise<{ id: string; created: boolean }> {
    const { entity, created } = await this.memories.store({
      orgId,
      kind: entry.kind,
      text: entry.text,
      realm: entry.realm,
      tags: [],
      subjectNodeIds: [],
      source: entry.source,
      createdBy: entry.userId,
    });
    if (created) {
      await this.audit.record({
        orgId,
        category: 'memory',
        action: 'memory.create',
        result: 'success',
        actor: entry.userId ? { userId: entry.userId } : null,
        target: { type: 'memory', id: entity.id, kind: entity.kind },
        details: { source: entry.source, realm: entry.realm },
      });
    }
    return { id: entity.id, created };
  }
}
