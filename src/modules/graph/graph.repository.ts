import { AppConfig } from '@libs/config';
import { ENTITY_SEARCH_INDEX, GraphSchemaService, graphUnavailable, Neo4jService } from '@libs/graph';
import { Injectable } from '@nestjs/common';
import neo4j, { Node, Relationship } from 'neo4j-driver';
import { toContextLuceneQuery } from './context-query';
import type { GraphContextNode, GraphContract } from './graph.contract';

export interface NodeFilters {
  orgId: string;
  lucene?: string;
  labels?: string[];
  realms?: string[];
  sources?: string[];
  since?: number;
  until?: number;
  includeArchived: boolean;
}

export interface SearchAggregates {
  total: number;
  labels: Record<string, number>;
  realms: Record<string, number>;
  sources: Record<string, number>;
  histogram: { bucket: string; count: number }[];
}

export interface ExpandOptions {
  orgId: string;
  nodeIds: string[];
  depth: number;
  direction: 'in' | 'out' | 'both';
  edgeTypes?: string[];
  realms?: string[];
  limit: number;
  includeArchived: boolean;
}

export interface CypherRun {
  columns: string[];
  records: unknown[][];
  truncated: boolean;
}

const DAY_MS = 86_400_000;
const CONTEXT_SUMMARY_CHARS = 300;
const PURGE_BATCH = 5000;

function inc(map: Record<string, number>, key: unknown, by = 1) {
  const k = key === null || key === undefined || key === '' ? '(none)' : String(key);
  map[k] = (map[k] ?? 0) + by;
}

/** The only code of the graph module that talks to Neo4j. Every query is filtered by org_id. */
@Injectable()
export class GraphRepository implements GraphContract {
  constructor(
    private readonly neo4j: Neo4jService,
    private readonly schema: GraphSchemaService,
    private readonly config: AppConfig,
  ) {}

  private read(cypher: string, params: Record<string, unknown>) {
    return this.neo4j.read(cypher, params).catch(graphUnavailable);
  }

  private nodeWhere(f: NodeFilters, v = 'n'): string {
    const parts = [`${v}.org_id = $org`];
    if (!f.includeArchived) {
      parts.push(`${v}.archived_at IS NULL`);
    }
    if (f.labels?.length) {
      parts.push(`any(l IN labels(${v}) WHERE l IN $labels)`);
    }
    if (f.realms?.length) {
      parts.push(`${v}.realm IN $realms`);
    }
    if (f.sources?.length) {
      parts.push(`(${v}.source_id IN $sources OR ${v}.connector IN $sources)`);
    }
    if (f.since !== undefined) {
      parts.push(`${v}.updated_at >= $since`);
    }
    if (f.until !== undefined) {
      parts.push(`${v}.updated_at < $until`);
    }
    return parts.join(' AND ');
  }

  private nodeParams(f: NodeFilters): Record<string, unknown> {
    return {
      org: f.orgId,
      lucene: f.lucene ?? null,
      labels: f.labels ?? [],
      realms: f.realms ?? [],
      sources: f.sources ?? [],
      since: f.since ?? null,
      until: f.until ?? null,
    };
  }

  /** MATCH part yielding `n` and a numeric sort key `score` (full-text score, or created_at). */
  private base(f: NodeFilters): string {
    if (f.lucene) {
      return `CALL db.index.fulltext.queryNodes('${ENTITY_SEARCH_INDEX}', $lucene) YIELD node AS n, score
              WHERE ${this.nodeWhere(f)}`;
    }
    return `MATCH (n:Entity) WHERE ${this.nodeWhere(f)} WITH n, toFloat(coalesce(n.created_at, 0)) AS score`;
  }

  async searchAggregates(f: NodeFilters): Promise<SearchAggregates> {
    await this.schema.ready();
    const res = await this.read(
      `${this.base(f)}
       WITH n
       RETURN count(n) AS total,
              collect(n.realm) AS realms,
              collect(n.source_id) AS sources,
              collect([l IN labels(n) WHERE l <> 'Entity']) AS labels,
              collect(n.updated_at) AS updated`,
      this.nodeParams(f),
    );
    const r = res.records[0];
    const out: SearchAggregates = { total: 0, labels: {}, realms: {}, sources: {}, histogram: [] };
    if (!r) {
      return out;
    }
    out.total = Number(r.get('total'));
    for (const x of r.get('realms') as unknown[]) {
      inc(out.realms, x);
    }
    for (const x of r.get('sources') as unknown[]) {
      inc(out.sources, x);
    }
    for (const ls of r.get('labels') as string[][]) {
      for (const l of ls) {
        inc(out.labels, l);
      }
    }
    const hist: Record<string, number> = {};
    for (const u of r.get('updated') as unknown[]) {
      if (typeof u !== 'number') {
        continue;
      }
      inc(hist, new Date(Math.floor(u / DAY_MS) * DAY_MS).toISOString());
    }
    out.histogram = Object.entries(hist)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([bucket, count]) => ({ bucket, count }));
    return out;
  }

  async searchPage(
    f: NodeFilters,
    limit: number,
    after?: { k: number; id: string },
  ): Promise<{ node: Node; score: number }[]> {
    await this.schema.ready();
    const res = await this.read(
      `${this.base(f)}
       WITH n, score
       WHERE $ck IS NULL OR score < $ck OR (score = $ck AND coalesce(n.id, '') < $cid)
       RETURN n, score
       ORDER BY score DESC, n.id DESC
       LIMIT $limit`,
      { ...this.nodeParams(f), ck: after ? after.k : null, cid: after?.id ?? '', limit: neo4j.int(limit) },
    );
    return res.records.map((r) => ({ node: r.get('n') as Node, score: Number(r.get('score')) }));
  }

  async findNode(
    orgId: string,
    id: string,
    includeArchived: boolean,
  ): Promise<{ node: Node; in: number; out: number } | undefined> {
    await this.schema.ready();
    const live = includeArchived ? '' : 'AND m.archived_at IS NULL AND r.archived_at IS NULL';
    const res = await this.read(
      `MATCH (n:Entity {id: $id}) WHERE n.org_id = $org ${includeArchived ? '' : 'AND n.archived_at IS NULL'}
       RETURN n,
              COUNT { MATCH (n)<-[r]-(m) WHERE m.org_id = $org ${live} } AS din,
              COUNT { MATCH (n)-[r]->(m) WHERE m.org_id = $org ${live} } AS dout`,
      { id, org: orgId },
    );
    const r = res.records[0];
    if (!r) {
      return undefined;
    }
    return { node: r.get('n') as Node, in: Number(r.get('din')), out: Number(r.get('dout')) };
  }

  /**
   * Breadth-first expansion, one query per level. Nodes are capped at `limit` (truncated=true
   * when more were reachable); edges are kept when both ends are in the result.
   */
  async expand(o: ExpandOptions): Promise<{
    nodes: Node[];
    edges: { rel: Relationship; from: string; to: string }[];
    truncated: boolean;
    found: number;
  }> {
    await this.schema.ready();
    const nodeCond = (v: string) => {
      const p = [`${v}.org_id = $org`];
      if (!o.includeArchived) {
        p.push(`${v}.archived_at IS NULL`);
      }
      if (o.realms?.length) {
        p.push(`${v}.realm IN $realms`);
      }
      return p.join(' AND ');
    };
    const params = { org: o.orgId, realms: o.realms ?? [], types: o.edgeTypes ?? [] };
    const startRes = await this.read(`MATCH (n:Entity) WHERE n.id IN $ids AND ${nodeCond('n')} RETURN n`, {
      ...params,
      ids: o.nodeIds,
    });
    const nodes = new Map<string, Node>();
    for (const r of startRes.records) {
      const n = r.get('n') as Node;
      nodes.set(String(n.properties.id), n);
    }
    const found = nodes.size;
    const edges = new Map<string, { rel: Relationship; from: string; to: string }>();
    let frontier = [...nodes.keys()];
    let truncated = false;
    const pattern = o.direction === 'out' ? '(a)-[r]->(b)' : o.direction === 'in' ? '(a)<-[r]-(b)' : '(a)-[r]-(b)';
    const relCond = [
      o.includeArchived ? 'true' : 'r.archived_at IS NULL',
      o.edgeTypes?.length ? 'type(r) IN $types' : 'true',
      o.realms?.length ? 'r.realm IN $realms' : 'true',
    ].join(' AND ');
    const rowCap = Math.min(20_000, o.limit * 10 + 1);
    for (let level = 0; level < o.depth && frontier.length; level++) {
      const res = await this.read(
        `UNWIND $frontier AS fid
         MATCH (a:Entity {id: fid}) WHERE a.org_id = $org
         MATCH ${pattern}
         WHERE ${relCond} AND ${nodeCond('b')}
         RETURN startNode(r).id AS from, endNode(r).id AS to, r, b
         LIMIT $cap`,
        { ...params, frontier, cap: neo4j.int(rowCap) },
      );
      if (res.records.length >= rowCap) {
        truncated = true;
      }
      const next: string[] = [];
      for (const rec of res.records) {
        const b = rec.get('b') as Node;
        const bid = String(b.properties.id ?? b.elementId);
        if (!nodes.has(bid)) {
          if (nodes.size >= o.limit) {
            truncated = true;
            continue;
          }
          nodes.set(bid, b);
          next.push(bid);
        }
        const rel = rec.get('r') as Relationship;
        const from = String(rec.get('from') ?? rel.startNodeElementId);
        const to = String(rec.get('to') ?? rel.endNodeElementId);
        if (nodes.has(from) && nodes.has(to)) {
          edges.set(rel.elementId, { rel, from, to });
        }
      }
      frontier = next;
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], truncated, found };
  }

  async stats(orgId: string, realms: string[] | undefined, includeArchived: boolean) {
    await this.schema.ready();
    const f: NodeFilters = { orgId, realms, includeArchived };
    const where = this.nodeWhere(f);
    const params = this.nodeParams(f);
    const relWhere = `a.org_id = $org ${includeArchived ? '' : 'AND a.archived_at IS NULL AND b.archived_at IS NULL AND r.archived_at IS NULL'} ${realms?.length ? 'AND r.realm IN $realms' : ''}`;
    const [byRealm, byLabel, bySource, byType] = await Promise.all([
      this.read(
        `MATCH (n:Entity) WHERE ${where} RETURN n.realm AS k, count(*) AS c, max(n.updated_at) AS last`,
        params,
      ),
      this.read(
        `MATCH (n:Entity) WHERE ${where} UNWIND labels(n) AS l WITH l WHERE l <> 'Entity' RETURN l AS k, count(*) AS c`,
        params,
      ),
      this.read(`MATCH (n:Entity) WHERE ${where} RETURN n.source_id AS k, count(*) AS c`, params),
      this.read(`MATCH (a:Entity)-[r]->(b) WHERE ${relWhere} RETURN type(r) AS k, count(*) AS c`, params),
    ]);
    const collect = (rows: typeof byRealm) => {
      const m: Record<string, number> = {};
      for (const r of rows.records) {
        inc(m, r.get('k'), Number(r.get('c')));
      }
      return m;
    };
    let last: number | null = null;
    for (const r of byRealm.records) {
      const v = r.get('last');
      if (typeof v === 'number' && (last === null || v > last)) {
        last = v;
      }
    }
    const by_realm = collect(byRealm);
    const by_edge_type = collect(byType);
    return {
      nodes: Object.values(by_realm).reduce((a, b) => a + b, 0),
      edges: Object.values(by_edge_type).reduce((a, b) => a + b, 0),
      by_label: collect(byLabel),
      by_realm,
      by_source: collect(bySource),
      by_edge_type,
      last_ingested_at: last === null ? null : new Date(last).toISOString(),
    };
  }

  /** GraphContract: live nodes per source_id (ingestion status). */
  async liveNodeCountsBySource(orgId: string): Promise<Map<string, number>> {
    const r = await this.read(
      'MATCH (n:Entity {org_id: $org}) WHERE n.archived_at IS NULL RETURN n.source_id AS src, count(n) AS c',
      { org: orgId },
    );
    return new Map(r.records.map((rec) => [rec.get('src') as string, Number(rec.get('c'))]));
  }

  /** GraphContract: full-text match on any word of the text; org, realm and live nodes only. */
  async searchForContext(
    orgId: string,
    text: string,
    opts: { realm?: string | null; limit: number },
  ): Promise<GraphContextNode[]> {
    const lucene = toContextLuceneQuery(text);
    if (!lucene || opts.limit < 1) {
      return [];
    }
    const rows = await this.searchPage(
      { orgId, lucene, realms: opts.realm ? [opts.realm] : undefined, includeArchived: false },
      opts.limit,
    );
    return rows.map(({ node }) => {
      const p = node.properties as Record<string, unknown>;
      const description = typeof p.description === 'string' ? p.description.trim() : '';
      return {
        id: String(p.id ?? node.elementId),
        labels: node.labels.filter((l) => l !== 'Entity'),
        name: typeof p.name === 'string' && p.name ? p.name : String(p.key ?? p.id ?? ''),
        realm: typeof p.realm === 'string' ? p.realm : null,
        summary: description ? description.slice(0, CONTEXT_SUMMARY_CHARS) : null,
      };
    });
  }

  /** GraphContract: deletes every node and edge of the org, in batches (purge of a deleted org). */
  async deleteOrgGraph(orgId: string): Promise<void> {
    for (;;) {
      const res = await this.neo4j.write<{ n: number }>(
        `MATCH (n) WHERE n.org_id = $orgId WITH n LIMIT ${PURGE_BATCH} DETACH DELETE n RETURN count(*) AS n`,
        { orgId },
      );
      if (!res.records[0] || res.records[0].get('n') < PURGE_BATCH) {
        return;
      }
    }
  }

  async schemaOf(orgId: string) {
    await this.schema.ready();
    const [nodesRes, relsRes] = await Promise.all([
      this.read(
        `MATCH (n:Entity) WHERE n.org_id = $org AND n.archived_at IS NULL
         WITH n.realm AS realm, [l IN labels(n) WHERE l <> 'Entity'] AS ls, [k IN keys(n) WHERE k <> 'org_id'] AS ks
         UNWIND ls AS l
         UNWIND ks AS k
         RETURN realm, l, collect(DISTINCT k) AS keys`,
        { org: orgId },
      ),
      this.read(
        `MATCH (a:Entity)-[r]->(b) WHERE a.org_id = $org AND a.archived_at IS NULL AND r.archived_at IS NULL
         WITH r.realm AS realm, type(r) AS t, [k IN keys(r) WHERE k <> 'org_id'] AS ks
         UNWIND (CASE WHEN size(ks) = 0 THEN [null] ELSE ks END) AS k
         RETURN realm, t, collect(DISTINCT k) AS keys`,
        { org: orgId },
      ),
    ]);
    return {
      nodes: nodesRes.records.map((r) => ({
        realm: r.get('realm') as string | null,
        label: r.get('l') as string,
        keys: r.get('keys') as string[],
      })),
      rels: relsRes.records.map((r) => ({
        realm: r.get('realm') as string | null,
        type: r.get('t') as string,
        keys: (r.get('keys') as (string | null)[]).filter((k): k is string => !!k),
      })),
    };
  }

  /** Runs a guarded query in a READ transaction with a timeout; stops pulling after maxRows. */
  async runCypher(
    query: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    maxRows: number,
  ): Promise<CypherRun> {
    const session = this.neo4j.driver.session({
      database: this.config.neo4j.database,
      defaultAccessMode: neo4j.session.READ,
      fetchSize: Math.min(1000, maxRows + 1),
    });
    const tx = session.beginTransaction({ timeout: timeoutMs, metadata: { app: 'agentcy', kind: 'graph.cypher' } });
    try {
      const result = tx.run(query, params);
      const records: unknown[][] = [];
      let truncated = false;
      let columns: string[] = [];
      for await (const rec of result) {
        if (!columns.length) {
          columns = [...rec.keys] as string[];
        }
        if (records.length >= maxRows) {
          truncated = true;
          break;
        }
        records.push(rec.keys.map((k) => rec.get(k)));
      }
      if (!columns.length) {
        columns = [...(await result.keys())] as string[];
      }
      return { columns, records, truncated };
    } finally {
      await tx.rollback().catch(() => undefined);
      await session.close().catch(() => undefined);
    }
  }
}
