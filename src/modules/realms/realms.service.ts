import type { Principal } from '@libs/auth';
import { NotFoundException } from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, MAX_PAGE_LIMIT, Page, PageQuery } from '@libs/pagination';
import { Injectable, Logger } from '@nestjs/common';
import { OrgsRepository } from '../orgs/orgs.repository';
import { SourcesContract } from '../sources/sources.contract';
import { AvailableRealmDto, CreateRealmDto, RealmDto, UpdateRealmDto } from './dto/realm.dto';
import { RealmEntity } from './realm.entity';
import { BUILTIN_REALM_NAMES, BUILTIN_REALMS } from './realms.constants';
import { BuiltinRealmException, RealmExistsException, RealmInUseException } from './realms.errors';
import { RealmsRepository } from './realms.repository';

interface RealmRow {
  id: string;
  name: string;
  description: string | null;
  builtin: boolean;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** Pages a small in-memory list in its given order; the cursor names the last item seen. */
function pageOf<T extends { id: string }, R>(all: T[], q: PageQuery, scope: string, map: (t: T) => R): Page<R> {
  const limit = Math.min(q.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
  let start = 0;
  if (q.cursor) {
    const pos = decodeCursor(scope, q.cursor);
    const idx = all.findIndex((t) => t.id === pos.id);
    start = idx >= 0 ? idx + 1 : Math.min(Number(pos.k) || 0, all.length);
  }
  const slice = all.slice(start, start + limit);
  const more = start + limit < all.length;
  const last = slice[slice.length - 1];
  return {
    items: slice.map(map),
    next_cursor: more && last ? encodeCursor(scope, { k: start + slice.length, id: last.id }) : null,
    total: all.length,
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

@Injectable()
export class RealmsService {
  private readonly logger = new Logger(RealmsService.name);

  constructor(
    private readonly repo: RealmsRepository,
    private readonly events: OrgEvents,
    private readonly sources: SourcesContract,
    private readonly orgs: OrgsRepository,
  ) {}

  private async orgCreatedAt(orgId: string): Promise<Date | null> {
    return (await this.orgs.findById(orgId))?.createdAt ?? null;
  }

  /** Built-ins first (fixed order), then the org's realms by name. */
  private async rows(orgId: string): Promise<RealmRow[]> {
    const [custom, orgCreated] = await Promise.all([this.repo.listCustom(orgId), this.orgCreatedAt(orgId)]);
    return [
      ...BUILTIN_REALMS.map((b) => ({
        id: b.name,
        name: b.name,
        description: b.description,
        builtin: true,
        createdAt: orgCreated,
        updatedAt: orgCreated,
      })),
      ...custom.map((c) => this.fromEntity(c)),
    ];
  }

  private fromEntity(c: RealmEntity): RealmRow {
    return {
      id: c.id,
      name: c.name,
      description: c.description,
      builtin: false,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    };
  }

  private async withCounts(orgId: string, rows: RealmRow[]): Promise<RealmDto[]> {
    const [graph, sources] = await Promise.all([this.repo.graphCounts(orgId), this.sources.sourceCountsByRealm(orgId)]);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      builtin: r.builtin,
      node_count: graph.nodes[r.name] ?? 0,
      edge_count: graph.edges[r.name] ?? 0,
      source_count: sources[r.name] ?? 0,
      created_at: iso(r.createdAt),
      updated_at: iso(r.updatedAt),
    }));
  }

  async list(p: Principal, q: PageQuery): Promise<Page<RealmDto>> {
    const rows = await this.rows(p.orgId);
    const page = pageOf(rows, q, `realms:${p.orgId}`, (r) => r);
    return { ...page, items: await this.withCounts(p.orgId, page.items) };
  }

  /** RealmsContract: every realm of the org (built-ins first), for the realm check of other modules. */
  async listAvailable(orgId: string): Promise<{ id: string; name: string }[]> {
    return (await this.rows(orgId)).map((r) => ({ id: r.id, name: r.name }));
  }

  async available(p: Principal, q: PageQuery): Promise<Page<AvailableRealmDto>> {
    const rows = await this.rows(p.orgId);
    return pageOf(rows, q, `realms.available:${p.orgId}`, (r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      builtin: r.builtin,
    }));
  }

  private async resolve(orgId: string, idOrName: string): Promise<RealmRow> {
    if (BUILTIN_REALM_NAMES.has(idOrName)) {
      return (await this.rows(orgId)).find((r) => r.name === idOrName)!;
    }
    const found = (await this.repo.findById(orgId, idOrName)) ?? (await this.repo.findByName(orgId, idOrName));
    if (!found) {
      throw new NotFoundException('Realm');
    }
    return this.fromEntity(found);
  }

  async get(p: Principal, idOrName: string): Promise<RealmDto> {
    const row = await this.resolve(p.orgId, idOrName);
    return (await this.withCounts(p.orgId, [row]))[0];
  }

  async create(p: Principal, dto: CreateRealmDto): Promise<RealmDto> {
    if (BUILTIN_REALM_NAMES.has(dto.name)) {
      throw new BuiltinRealmException(dto.name, 'created');
    }
    if (await this.repo.findByName(p.orgId, dto.name)) {
      throw new RealmExistsException(dto.name);
    }
    const saved = await this.repo.insert(p.orgId, dto.name, dto.description ?? null, p.userId ?? null);
    if (!saved) {
      throw new RealmExistsException(dto.name);
    }
    return (await this.withCounts(p.orgId, [this.fromEntity(saved)]))[0];
  }

  async update(p: Principal, idOrName: string, dto: UpdateRealmDto): Promise<RealmDto> {
    const row = await this.resolve(p.orgId, idOrName);
    if (row.builtin) {
      throw new BuiltinRealmException(row.name, 'changed');
    }
    const updated =
      dto.description === undefined
        ? await this.repo.findById(p.orgId, row.id)
        : await this.repo.updateDescription(p.orgId, row.id, dto.description);
    if (!updated) {
      throw new NotFoundException('Realm');
    }
    return (await this.withCounts(p.orgId, [this.fromEntity(updated)]))[0];
  }

  async remove(p: Principal, idOrName: string, force: boolean): Promise<void> {
    const row = await this.resolve(p.orgId, idOrName);
    if (row.builtin) {
      throw new BuiltinRealmException(row.name, 'deleted');
    }
    const [graph, sources] = await Promise.all([
      this.repo.graphCounts(p.orgId),
      this.sources.sourceCountsByRealm(p.orgId),
    ]);
    const usage = {
      nodes: graph.nodes[row.name] ?? 0,
      edges: graph.edges[row.name] ?? 0,
      sources: sources[row.name] ?? 0,
    };
    if (!force && (usage.nodes > 0 || usage.edges > 0 || usage.sources > 0)) {
      throw new RealmInUseException(row.name, usage);
    }
    if (force) {
      const archived = await this.repo.archiveGraph(p.orgId, row.name);
      await this.sources
        .moveRealmSourcesToDefault(p.orgId, row.name)
        .catch((err: Error) => this.logger.warn(`could not reset sources of realm ${row.name}: ${err.message}`));
      if (archived > 0) {
        await this.events.publish(p.orgId, 'graph.changed', {
          org_id: p.orgId,
          realm: row.name,
          reason: 'realm_deleted',
          nodes_upserted: 0,
          edges_upserted: 0,
          nodes_archived: archived,
        });
      }
    }
    await this.repo.delete(p.orgId, row.id);
  }
}
