import type { Principal } from '@libs/auth';
import { NotFoundException, ServiceUnavailableException, ValidationException } from '@libs/errors';
import { CypherRejectedError, guardCypher, toLuceneQuery } from '@libs/graph';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, MAX_PAGE_LIMIT } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import type { Node } from 'neo4j-driver';
import { SourcesContract } from '../sources/sources.contract';
import {
  CypherRequestDto,
  CypherResultDto,
  ExpandBody,
  ExpandQuery,
  GraphNodeDetailDto,
  GraphNodeDto,
  GraphSchemaDto,
  GraphStatsDto,
  NodeSearchPageDto,
  NodeSearchQuery,
  RealmSchemaDto,
  StatsQuery,
  SubgraphDto,
} from './dto/graph.dto';
import { CypherExecutionException, CypherRejectedException, CypherTimeoutException } from './graph.errors';
import { findForeign, toEdgeDto, toNodeDto, toPlain } from './graph.mapper';
import { GraphRepository, NodeFilters } from './graph.repository';

const CYPHER_DEFAULT_TIMEOUT_MS = 10_000;
const CYPHER_MAX_ROWS = 5_000;

function withConnector(n: GraphNodeDto, info: Map<string, { connector: string; name: string }>): GraphNodeDto {
  const src = n.source_id ? info.get(n.source_id) : undefined;
  if (!src) {
    return n;
  }
  return { ...n, source: { ...n.source, connector: n.source.connector ?? src.connector, name: src.name } };
}

function ms(iso?: string): number | undefined {
  return iso ? new Date(iso).getTime() : undefined;
}

@Injectable()
export class GraphService {
  constructor(
    private readonly repo: GraphRepository,
    private readonly sources: SourcesContract,
  ) {}

  async searchNodes(
    p: Principal,
    q: NodeSearchQuery,
    opts: { requireQuery?: boolean } = {},
  ): Promise<NodeSearchPageDto> {
    if (opts.requireQuery && (!q.q || q.q.trim().length < 2)) {
      throw new ValidationException('q: q must be at least 2 characters', {
        fields: [{ field: 'q', errors: ['q must be at least 2 characters'] }],
      });
    }
    const limit = Math.min(q.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
    const lucene = q.q ? toLuceneQuery(q.q) : undefined;
    const sources = [...(q.source_id ?? []), ...(q.source ?? [])];
    // `source` may name a connector type or a source by name: resolve to source ids
    if (q.source?.length) {
      sources.push(...(await this.sources.sourceIdsMatching(p.orgId, q.source)));
    }
    const f: NodeFilters = {
      orgId: p.orgId,
      lucene,
      labels: q.label,
      realms: q.realm,
      sources: sources.length ? sources : undefined,
      since: ms(q.since),
      until: ms(q.until),
      includeArchived: q.include_archived ?? false,
    };
    const empty = { labels: {}, realms: {}, sources: {}, connectors: {} };
    if (q.q && !lucene) {
      return { items: [], next_cursor: null, total: 0, facets: empty, histogram: [] };
    }
    const scope = `graph.nodes:${p.orgId}:${JSON.stringify([q.q ?? null, f.labels ?? [], f.realms ?? [], f.sources ?? [], f.since ?? null, f.until ?? null, f.includeArchived])}`;
    let after: { k: number; id: string } | undefined;
    if (q.cursor) {
      const pos = decodeCursor(scope, q.cursor);
      after = { k: Number(pos.k), id: pos.id };
    }
    const [agg, rows] = await Promise.all([this.repo.searchAggregates(f), this.repo.searchPage(f, limit + 1, after)]);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const info = await this.sources.describeSources(p.orgId, Object.keys(agg.sources));
    const connectors: Record<string, number> = {};
    for (const [sid, n] of Object.entries(agg.sources)) {
      const c = info.get(sid)?.connector;
      if (c) {
        connectors[c] = (connectors[c] ?? 0) + n;
      }
    }
    return {
      items: page.map((r) => withConnector(toNodeDto(r.node), info)),
      next_cursor:
        more && last ? encodeCursor(scope, { k: last.score, id: String(last.node.properties.id ?? '') }) : null,
      total: agg.total,
      facets: { labels: agg.labels, realms: agg.realms, sources: agg.sources, connectors },
      histogram: agg.histogram,
    };
  }

  async getNode(p: Principal, id: string, includeArchived = false): Promise<GraphNodeDetailDto> {
    const found = await this.repo.findNode(p.orgId, id, includeArchived);
    if (!found) {
      throw new NotFoundException('Node');
    }
    const dto = toNodeDto(found.node);
    const info = await this.sources.describeSources(p.orgId, dto.source_id ? [dto.source_id] : []);
    return { ...withConnector(dto, info), degree: { in: found.in, out: found.out, total: found.in + found.out } };
  }

  async expandOne(p: Principal, id: string, q: ExpandQuery): Promise<SubgraphDto> {
    const res = await this.expand(p, {
      node_ids: [id],
      depth: q.depth,
      direction: q.direction,
      edge_types: q.edge_types,
      realms: q.realm,
      limit: q.limit,
      include_archived: q.include_archived,
    });
    return res;
  }

  async expand(p: Principal, b: ExpandBody, notFoundWhenMissing = true): Promise<SubgraphDto> {
    const out = await this.repo.expand({
      orgId: p.orgId,
      nodeIds: [...new Set(b.node_ids)],
      depth: b.depth ?? 1,
      direction: b.direction ?? 'both',
      edgeTypes: b.edge_types?.length ? b.edge_types : undefined,
      realms: b.realms?.length ? b.realms : undefined,
      limit: b.limit ?? 200,
      includeArchived: b.include_archived ?? false,
    });
    if (notFoundWhenMissing && out.found === 0) {
      throw new NotFoundException('Node');
    }
    return {
      nodes: out.nodes.map((n: Node) => toNodeDto(n)),
      edges: out.edges.map((e) => toEdgeDto(e.rel, undefined, undefined, { from: e.from, to: e.to })),
      truncated: out.truncated,
    };
  }

  async stats(p: Principal, q: StatsQuery): Promise<GraphStatsDto> {
    const st = await this.repo.stats(p.orgId, q.realm?.length ? q.realm : undefined, q.include_archived ?? false);
    const info = await this.sources.describeSources(p.orgId, Object.keys(st.by_source));
    const by_connector: Record<string, number> = {};
    for (const [sid, n] of Object.entries(st.by_source)) {
      const c = info.get(sid)?.connector;
      if (c) {
        by_connector[c] = (by_connector[c] ?? 0) + n;
      }
    }
    return { ...st, by_connector };
  }

  async schema(p: Principal): Promise<GraphSchemaDto> {
    const raw = await this.repo.schemaOf(p.orgId);
    const all: RealmSchemaDto & { label_properties: Record<string, Set<string>> } = {
      labels: [],
      edge_types: [],
      property_keys: [],
      label_properties: {},
    };
    const labels = new Set<string>();
    const types = new Set<string>();
    const keys = new Set<string>();
    const realms: Record<string, { labels: Set<string>; edge_types: Set<string>; property_keys: Set<string> }> = {};
    const realmOf = (r: string | null) =>
      (realms[r ?? '(none)'] ??= { labels: new Set(), edge_types: new Set(), property_keys: new Set() });
    for (const n of raw.nodes) {
      labels.add(n.label);
      const rs = realmOf(n.realm);
      rs.labels.add(n.label);
      const lp = (all.label_properties[n.label] ??= new Set());
      for (const k of n.keys) {
        keys.add(k);
        rs.property_keys.add(k);
        lp.add(k);
      }
    }
    for (const r of raw.rels) {
      types.add(r.type);
      const rs = realmOf(r.realm);
      rs.edge_types.add(r.type);
      for (const k of r.keys) {
        keys.add(k);
        rs.property_keys.add(k);
      }
    }
    const sorted = (s: Set<string>) => [...s].sort();
    return {
      labels: sorted(labels),
      edge_types: sorted(types),
      property_keys: sorted(keys),
      label_properties: Object.fromEntries(Object.entries(all.label_properties).map(([l, s]) => [l, sorted(s)])),
      realms: Object.fromEntries(
        Object.entries(realms).map(([r, v]) => [
          r,
          { labels: sorted(v.labels), edge_types: sorted(v.edge_types), property_keys: sorted(v.property_keys) },
        ]),
      ),
    };
  }

  async cypher(p: Principal, body: CypherRequestDto): Promise<CypherResultDto> {
    const userParams = body.params ?? {};
    const reserved = Object.keys(userParams).filter((k) => k.startsWith('__'));
    if (reserved.length) {
      throw new CypherRejectedException({
        reason: 'reserved_name',
        message: `Parameter names starting with __ are reserved: ${reserved.join(', ')}`,
      });
    }
    let guarded;
    try {
      guarded = guardCypher(body.query, {
        includeArchived: body.include_archived ?? false,
        realmParam: body.realm ? '__realms' : undefined,
      });
    } catch (err) {
      if (err instanceof CypherRejectedError) {
        throw new CypherRejectedException(err);
      }
      throw err;
    }
    const params: Record<string, unknown> = { ...userParams, ...guarded.params, __org_id: p.orgId };
    if (body.realm) {
      params.__realms = [body.realm];
    }
    const timeout = body.timeout_ms ?? CYPHER_DEFAULT_TIMEOUT_MS;
    const maxRows = Math.min(body.max_rows ?? CYPHER_MAX_ROWS, CYPHER_MAX_ROWS);
    const started = Date.now();
    let run;
    try {
      run = await this.repo.runCypher(guarded.query, params, timeout, maxRows);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const code = e.code ?? '';
      if (
        /TransactionTimedOut|Transaction\.TransactionTimedOut|TransactionTimedOutClientConfiguration/i.test(code) ||
        /timed out|terminated/i.test(e.message ?? '')
      ) {
        throw new CypherTimeoutException(timeout);
      }
      if (code.startsWith('Neo.ClientError') || code.startsWith('Neo.DatabaseError.Statement')) {
        throw new CypherExecutionException(e.message ?? 'Query failed', code);
      }
      if (code === 'ServiceUnavailable' || code === 'SessionExpired') {
        throw new ServiceUnavailableException('The knowledge graph is not available', undefined, 'graph_unavailable');
      }
      throw err;
    }
    // defence in depth: the guard must make this impossible
    if (run.records.some((row) => findForeign(row, p.orgId))) {
      throw new CypherRejectedException({
        reason: 'foreign_data',
        message: 'The query produced data outside your organization',
      });
    }
    return {
      columns: run.columns,
      rows: run.records.map((row) => row.map(toPlain)),
      row_count: run.records.length,
      truncated: run.truncated,
      took_ms: Date.now() - started,
    };
  }
}
