import { roleRank, type Principal } from '@libs/auth/principal';
import { sha256Hex } from '@libs/crypto';
import { prefixedId } from '@libs/database/ids';
import { ConflictException, ForbiddenException, NotFoundException, ServiceUnavailableException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { RealmCheck } from 'src/modules/settings/realm-check';
import {
  CreateMemoryDto,
  ListMemoryQuery,
  MemoryDto,
  RecallMemoryDto,
  RecallResultDto,
  SyncStartedDto,
  toMemoryDto,
  UpdateMemoryDto,
} from './dto/memory.dto';
import { MemoryRecall } from './memory-recall';
import { normaliseMemoryText } from './memory-scoring';
import { MemorySync } from './memory-sync';
import type { MemoryEntity, MemorySource } from './memory.entity';
import { MemoryRepository } from './memory.repository';

const UNIQUE_VIOLATION = '23505';

export interface NewMemory {
  orgId: string;
  kind: string;
  text: string;
  realm: string | null;
  tags: string[];
  subjectNodeIds: string[];
  source: MemorySource;
  createdBy: string | null;
}

/**
 * Org memory CRUD (rag-and-memory.md Part B): PostgreSQL is the source of truth; after each
 * write the `:Memory` node is written (MemorySync). Viewers read and recall, members write,
 * only the author or an admin changes or deletes an entry.
 */
@Injectable()
export class MemoryService {
  constructor(
    private readonly repo: MemoryRepository,
    private readonly recaller: MemoryRecall,
    private readonly sync: MemorySync,
    private readonly realms: RealmCheck,
    private readonly events: OrgEvents,
  ) {}

  list(p: Principal, q: ListMemoryQuery): Promise<Page<MemoryDto>> {
    return this.repo.list(
      p.orgId,
      { kind: q.kind, realm: q.realm, tag: q.tag, q: q.q, includeDeleted: q.include_deleted },
      q,
      toMemoryDto,
    );
  }

  async get(p: Principal, id: string): Promise<MemoryDto> {
    const m = await this.repo.find(p.orgId, id, true);
    if (!m) {
      throw new NotFoundException('Memory');
    }
    return toMemoryDto(m);
  }

  /** `created: false` when a live entry with the same normalised text, realm and kind exists (it is returned). */
  async create(p: Principal, dto: CreateMemoryDto): Promise<{ memory: MemoryDto; created: boolean }> {
    const realm = dto.realm || null;
    await this.realms.assertExists(p, realm, 'realm');
    const { entity, created } = await this.store({
      orgId: p.orgId,
      kind: dto.kind,
      text: dto.text,
      realm,
      tags: dto.tags ?? [],
      subjectNodeIds: dto.subject_node_ids ?? [],
      source: { type: 'api' },
      createdBy: p.userId,
    });
    return { memory: toMemoryDto(entity), created };
  }

  /**
   * The one write path of a new entry (API and the agent loop's after-turn writes): an equal live
   * entry is returned instead; else embedded, inserted, mirrored to the graph, announced.
   */
  async store(e: NewMemory): Promise<{ entity: MemoryEntity; created: boolean }> {
    const text = e.text.trim();
    const textHash = sha256Hex(normaliseMemoryText(text));
    const existing = await this.repo.findDuplicate(e.orgId, e.realm, e.kind, textHash);
    if (existing) {
      return { entity: existing, created: false };
    }
    let m: MemoryEntity;
    try {
      m = await this.repo.insert({
        id: prefixedId('mem'),
        orgId: e.orgId,
        kind: e.kind,
        text,
        textHash,
        realm: e.realm,
        tags: uniq(e.tags),
        subjectNodeIds: uniq(e.subjectNodeIds),
        source: e.source,
        ...(await this.sync.embed(text)),
        createdBy: e.createdBy,
        graphSynced: false,
      });
    } catch (err) {
      const again =
        (err as { code?: string }).code === UNIQUE_VIOLATION &&
        (await this.repo.findDuplicate(e.orgId, e.realm, e.kind, textHash));
      if (again) {
        return { entity: again, created: false };
      }
      throw err;
    }
    await this.sync.push(m);
    await this.events.publish(e.orgId, 'memory.created', { memory_id: m.id, kind: m.kind, realm: m.realm });
    return { entity: m, created: true };
  }

  /** Re-embeds when the text changes and re-syncs the node. */
  async update(p: Principal, id: string, dto: UpdateMemoryDto): Promise<MemoryDto> {
    const m = await this.writable(p, id);
    const text = dto.text !== undefined ? dto.text.trim() : m.text;
    const realm = dto.realm !== undefined ? dto.realm || null : m.realm;
    const kind = dto.kind ?? m.kind;
    if (realm !== m.realm) {
      await this.realms.assertExists(p, realm, 'realm');
    }
    const textHash = sha256Hex(normaliseMemoryText(text));
    const clash = await this.repo.findDuplicate(p.orgId, realm, kind, textHash);
    if (clash && clash.id !== m.id) {
      throw new ConflictException('The same memory already exists', { id: clash.id }, 'memory_duplicate');
    }
    const patch: Partial<MemoryEntity> = {
      text,
      textHash,
      realm,
      kind,
      ...(dto.tags !== undefined ? { tags: uniq(dto.tags) } : {}),
      ...(dto.subject_node_ids !== undefined ? { subjectNodeIds: uniq(dto.subject_node_ids) } : {}),
      ...(text !== m.text ? await this.sync.embed(text) : {}),
      graphSynced: false,
    };
    await this.repo.update(p.orgId, id, patch);
    const fresh = (await this.repo.find(p.orgId, id))!;
    await this.sync.push(fresh);
    return toMemoryDto(fresh);
  }

  /** Soft delete: `deleted_at` on the row, the node becomes a tombstone without edges. */
  async remove(p: Principal, id: string): Promise<void> {
    const m = await this.writable(p, id);
    await this.repo.update(p.orgId, id, { deletedAt: new Date(), graphSynced: false });
    await this.sync.push((await this.repo.find(p.orgId, m.id, true))!);
  }

  async recall(p: Principal, dto: RecallMemoryDto): Promise<RecallResultDto> {
    let ranked: Awaited<ReturnType<MemoryRecall['rank']>>;
    try {
      ranked = await this.recaller.rank(p.orgId, dto.query, {
        realm: dto.realm,
        kinds: dto.kinds,
        topK: dto.top_k ?? 5,
      });
    } catch (err) {
      throw new ServiceUnavailableException(
        `Embedding the query failed: ${(err as Error).message}`,
        undefined,
        'embeddings_unavailable',
      );
    }
    return { items: ranked.map((r) => ({ memory: toMemoryDto(r.memory), score: r.score })) };
  }

  startSync(p: Principal, all: boolean): Promise<SyncStartedDto> {
    return this.sync.replay(p.orgId, all);
  }

  private async writable(p: Principal, id: string): Promise<MemoryEntity> {
    const m = await this.repo.find(p.orgId, id);
    if (!m) {
      throw new NotFoundException('Memory');
    }
    if (m.createdBy !== p.userId && roleRank(p.role) < roleRank('admin')) {
      throw new ForbiddenException('Only the author or an admin can change this memory');
    }
    return m;
  }
}

const uniq = (xs: string[]) => [...new Set(xs.map((x) => x.trim()).filter(Boolean))];
