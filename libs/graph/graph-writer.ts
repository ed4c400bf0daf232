import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { Injectable, Logger } from '@nestjs/common';
import neo4j from 'neo4j-driver';
import { createHash } from 'node:crypto';
import { Neo4jService } from './neo4j.service';

const neo4jInt = (n: number) => neo4j.int(Math.min(n, 2 ** 52));

/** Labels and relationship types cannot be parameters; they are validated against this before being spliced in. */
export const SAFE_IDENT_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const RESERVED_LABELS = new Set(['Entity', 'Staged', 'StagedEdge', 'Memory']);
/** Properties the writer owns; connector properties with these names are stored as `prop_<name>`. */
const RESERVED_PROPS = new Set([
  'id',
  'org_id',
  'realm',
  'source_id',
  'key',
  'label',
  'name',
  'description',
  'snapshot',
  'archived_at',
  'created_at',
  'updated_at',
  'content_hash',
  'search_text',
]);

/** Upper bound of a node's `search_text` (the property values the full-text index sees). */
const SEARCH_TEXT_MAX = 8_000;

/** Property values joined for the full-text index, so search finds a row by any of its values. */
export function searchText(props: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const v of Object.values(props)) {
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x === 'string' || typeof x === 'number') {
        parts.push(String(x));
      }
    }
  }
  return parts.join(' ').slice(0, SEARCH_TEXT_MAX);
}

export class GraphWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphWriteError';
  }
}

export interface WriteScope {
  orgId: string;
  sourceId: string;
  realm: string;
  /** the sync job id; becomes `snapshot` of every node/edge the run writes */
  jobId: string;
}

export interface CommitResult {
  nodesWritten: number;
  edgesWritten: number;
  edgesSkipped: number;
  nodesArchived: number;
  edgesArchived: number;
}

export function assertSafeLabel(label: string, what = 'label'): string {
  if (!SAFE_IDENT_RE.test(label) || RESERVED_LABELS.has(label)) {
    throw new GraphWriteError(`invalid ${what} "${label}" (must match ${SAFE_IDENT_RE.source} and not be reserved)`);
  }
  return label;
}

function flatProps(props: Record<string, unknown> | undefined, node?: GraphNodeInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || k.startsWith('_')) {
      continue;
    }
    if (node && (k === 'name' || k === 'description') && v === node[k]) {
      continue;
    }
    const ok =
      ['string', 'number', 'boolean'].includes(typeof v) ||
      (Array.isArray(v) && v.every((x) => ['string', 'number', 'boolean'].includes(typeof x)));
    const value = ok ? v : JSON.stringify(v);
    out[RESERVED_PROPS.has(k) ? `prop_${k}` : k] = value;
  }
  return out;
}

/** Stable hash of a node/edge's content (+ realm): equal hashes mean a re-sync can skip rewriting properties. */
function contentHash(realm: string, content: Record<string, unknown>): string {
  const keys = Object.keys(content).sort();
  return createHash('sha1')
    .update(realm)
    .update('\0')
    .update(JSON.stringify(keys.map((k) => [k, content[k]])))
    .digest('base64url');
}

/**
 * Writes ingestion batches into Neo4j with snapshot semantics.
 *
 * A run first *stages* its data: nodes become `:Staged` nodes and edges `:StagedEdge` nodes,
 * keyed by (job, key) and without `org_id`, so nothing that reads `:Entity` (or filters by
 * `org_id`) can see them. `commit` then promotes the whole run in ONE write transaction:
 * MERGE `:Entity:<Label>` by (org_id, source_id, key), replace properties, stamp `snapshot`,
 * clear `archived_at`, recreate edges by (from key, to key, type), archive (full mode) the
 * source's nodes/edges whose snapshot is not this run, and delete the staging data. A failed or
 * cancelled run only calls `discard`, which deletes its staging data; the previous snapshot stays
 * exactly as it was.
 */
@Injectable()
export class GraphWriter {
  private readonly logger = new Logger(GraphWriter.name);
  private schemaReady?: Promise<void>;

  constructor(private readonly neo4j: Neo4jService) {}

  /** Staging indexes (idempotent). Entity lookups use graph-schema's (org_id, source_id, key) uniqueness constraint. */
  ensureSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      const stmts = [
        'CREATE INDEX staged_job IF NOT EXISTS FOR (s:Staged) ON (s._stage_job)',
        'CREATE INDEX staged_edge_job IF NOT EXISTS FOR (e:StagedEdge) ON (e._stage_job)',
      ];
      for (const s of stmts) {
        try {
          await this.neo4j.write(s);
        } catch (err) {
          // an equivalent constraint/index created by graph-schema already serves the lookup
          this.logger.debug?.(`schema statement skipped: ${(err as Error).message}`);
        }
      }
    })().catch((err) => {
      this.schemaReady = undefined;
      throw err;
    });
    return this.schemaReady;
  }

  /** Stages one batch (already sized by the caller) in its own transaction. Invisible until commit. */
  async stage(
    scope: WriteScope,
    nodes: GraphNodeInput[],
    edges: GraphEdgeInput[],
  ): Promise<{ nodes: number; edges: number }> {
    await this.ensureSchema();
    const now = Date.now();
    const nodeRows = nodes.map((n) => {
      assertSafeLabel(n.label);
      if (typeof n.key !== 'string' || !n.key) {
        throw new GraphWriteError('node key must be a non-empty string');
      }
      const props = flatProps(n.properties, n);
      const content = {
        ...props,
        search_text: searchText(props),
        key: n.key,
        label: n.label,
        name: n.name ?? n.key,
        ...(n.description !== undefined && n.description !== null && n.description !== ''
          ? { description: String(n.description) }
          : {}),
      };
      return {
        ...content,
        _hash: contentHash(scope.realm, content),
        _stage_job: scope.jobId,
        _stage_label: n.label,
        _stage_at: now,
      };
    });
    const edgeRows = edges.map((e) => {
      assertSafeLabel(e.type, 'relationship type');
      const content = flatProps(e.properties);
      return {
        ...content,
        _hash: contentHash(scope.realm, { ...content, _type: e.type }),
        _stage_job: scope.jobId,
        _type: e.type,
        _from: e.fromKey,
        _to: e.toKey,
        _stage_at: now,
      };
    });
    await this.neo4j.writeTx(async (tx) => {
      if (nodeRows.length) {
        // CREATE, not MERGE: duplicates within a run collapse at promotion (MERGE on the entity key, last write wins)
        await tx.run('UNWIND $rows AS row CREATE (s:Staged) SET s = row', { rows: nodeRows });
      }
      if (edgeRows.length) {
        await tx.run('UNWIND $rows AS row CREATE (e:StagedEdge) SET e = row', { rows: edgeRows });
      }
    });
    return { nodes: nodeRows.length, edges: edgeRows.length };
  }

  private nodeStatement(label: string, chunked: boolean): string {
    assertSafeLabel(label);
    return `MATCH (s:Staged {_stage_job: $job}) WHERE s._stage_label = $label
           ${chunked ? 'WITH s LIMIT $batch' : ''}
           MERGE (n:Entity {org_id: $org, source_id: $src, key: s.key})
             ON CREATE SET n.id = 'n_' + randomUUID(), n.created_at = $now
           WITH s, n, n.id AS nid, n.created_at AS created, coalesce(n.content_hash = s._hash, false) AS same
           // unchanged content (same hash, realm included): only re-stamp the snapshot
           FOREACH (_ IN CASE WHEN same THEN [1] ELSE [] END | SET n.snapshot = $job, n.archived_at = null)
           FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
             SET n = s {.*, _stage_job: null, _stage_label: null, _stage_at: null, _hash: null, content_hash: s._hash, id: nid, created_at: created,
                        updated_at: $now, org_id: $org, source_id: $src, realm: $realm, label: $label, snapshot: $job, archived_at: null}
             SET n:\`${label}\`)
           ${chunked ? 'DELETE s' : ''}
           RETURN count(n) AS c`;
  }

  private edgeStatement(type: string, chunked: boolean): string {
    assertSafeLabel(type, 'relationship type');
    return `MATCH (e:StagedEdge {_stage_job: $job}) WHERE e._type = $type
           ${chunked ? 'WITH e LIMIT $batch' : ''}
           OPTIONAL MATCH (a:Entity {org_id: $org, source_id: $src, key: e._from}) WHERE a.archived_at IS NULL
           OPTIONAL MATCH (b:Entity {org_id: $org, source_id: $src, key: e._to}) WHERE b.archived_at IS NULL
           WITH e, a, b, (a IS NOT NULL AND b IS NOT NULL) AS ok
           FOREACH (_ IN CASE WHEN ok THEN [1] ELSE [] END |
             MERGE (a)-[r:\`${type}\`]->(b)
             SET r = e {.*, _stage_job: null, _type: null, _from: null, _to: null, _stage_at: null, _hash: null, content_hash: e._hash,
                        created_at: coalesce(r.created_at, $now), updated_at: CASE WHEN r.content_hash = e._hash THEN r.updated_at ELSE $now END,
                        org_id: $org, realm: $realm, source_id: $src, snapshot: $job, archived_at: null})
           ${chunked ? 'DELETE e' : ''}
           RETURN sum(CASE WHEN ok THEN 1 ELSE 0 END) AS c, count(e) AS seen`;
  }

  private static readonly ARCHIVE_NODES = `MATCH (n:Entity {org_id: $org, source_id: $src})
           WHERE n.archived_at IS NULL AND (n.snapshot IS NULL OR n.snapshot <> $job)
           WITH n LIMIT $batch SET n.archived_at = $now RETURN count(n) AS c`;

  private static readonly ARCHIVE_EDGES = `MATCH (:Entity {org_id: $org, source_id: $src})-[r]->()
           WHERE r.source_id = $src AND r.archived_at IS NULL AND (r.snapshot IS NULL OR r.snapshot <> $job)
           WITH r LIMIT $batch SET r.archived_at = $now RETURN count(r) AS c`;

  /**
   * Publishes a staged run. Runs with at most `atomicMaxRows` staged nodes+edges are published in
   * ONE transaction (readers see the old snapshot or the new one, never a mix). Larger runs would
   * exceed Neo4j's transaction memory, so they are published in batches of `batchSize` after
   * staging finished; see docs/ingestion.md for what that means for readers.
   */
  async commit(
    scope: WriteScope,
    opts: { archive: boolean; atomicMaxRows?: number; batchSize?: number },
  ): Promise<CommitResult & { atomic: boolean }> {
    await this.ensureSchema();
    const p = { job: scope.jobId, org: scope.orgId, src: scope.sourceId, realm: scope.realm, now: Date.now() };
    const counts = await this.neo4j.read<{ n: number; e: number }>(
      'CALL { MATCH (s:Staged {_stage_job: $job}) RETURN count(s) AS n } CALL { MATCH (e:StagedEdge {_stage_job: $job}) RETURN count(e) AS e } RETURN n, e',
      p,
    );
    const staged = Number(counts.records[0]?.get('n') ?? 0) + Number(counts.records[0]?.get('e') ?? 0);
    const atomic = staged <= (opts.atomicMaxRows ?? Number.MAX_SAFE_INTEGER);
    const result: CommitResult = {
      nodesWritten: 0,
      edgesWritten: 0,
      edgesSkipped: 0,
      nodesArchived: 0,
      edgesArchived: 0,
    };
    const labelsOf = async (run: (q: string) => Promise<import('neo4j-driver').QueryResult>) => ({
      labels: (await run('MATCH (s:Staged {_stage_job: $job}) RETURN DISTINCT s._stage_label AS l')).records.map(
        (r) => r.get('l') as string,
      ),
      types: (await run('MATCH (e:StagedEdge {_stage_job: $job}) RETURN DISTINCT e._type AS t')).records.map(
        (r) => r.get('t') as string,
      ),
    });
    if (atomic) {
      await this.neo4j.writeTx(async (tx) => {
        const { labels, types } = await labelsOf((q) => tx.run(q, p));
        for (const label of labels) {
          const r = await tx.run(this.nodeStatement(label, false), { ...p, label });
          result.nodesWritten += Number(r.records[0]?.get('c') ?? 0);
        }
        if (opts.archive) {
          const a = await tx.run(GraphWriter.ARCHIVE_NODES, { ...p, batch: neo4jInt(Number.MAX_SAFE_INTEGER) });
          result.nodesArchived = Number(a.records[0]?.get('c') ?? 0);
        }
        for (const type of types) {
          const r = await tx.run(this.edgeStatement(type, false), { ...p, type });
          result.edgesWritten += Number(r.records[0]?.get('c') ?? 0);
          result.edgesSkipped += Number(r.records[0]?.get('seen') ?? 0) - Number(r.records[0]?.get('c') ?? 0);
        }
        if (opts.archive) {
          const a = await tx.run(GraphWriter.ARCHIVE_EDGES, { ...p, batch: neo4jInt(Number.MAX_SAFE_INTEGER) });
          result.edgesArchived = Number(a.records[0]?.get('c') ?? 0);
        }
      });
    } else {
      const batch = neo4jInt(opts.batchSize ?? 1000);
      const { labels, types } = await labelsOf((q) => this.neo4j.read(q, p));
      const loop = async (
        q: string,
        params: Record<string, unknown>,
        onRow: (rec: import('neo4j-driver').Record) => number,
      ) => {
        for (;;) {
          const r = await this.neo4j.write(q, { ...p, ...params, batch });
          if (onRow(r.records[0]) === 0) {
            break;
          }
        }
      };
      for (const label of labels) {
        await loop(this.nodeStatement(label, true), { label }, (rec) => {
          const c = Number(rec?.get('c') ?? 0);
          result.nodesWritten += c;
          return c;
        });
      }
      if (opts.archive) {
        await loop(GraphWriter.ARCHIVE_NODES, {}, (rec) => {
          const c = Number(rec?.get('c') ?? 0);
          result.nodesArchived += c;
          return c;
        });
      }
      for (const type of types) {
        await loop(this.edgeStatement(type, true), { type }, (rec) => {
          const c = Number(rec?.get('c') ?? 0);
          const seen = Number(rec?.get('seen') ?? 0);
          result.edgesWritten += c;
          result.edgesSkipped += seen - c;
          return seen;
        });
      }
      if (opts.archive) {
        await loop(GraphWriter.ARCHIVE_EDGES, {}, (rec) => {
          const c = Number(rec?.get('c') ?? 0);
          result.edgesArchived += c;
          return c;
        });
      }
    }
    // staging data is invisible either way; dropping it in bounded transactions keeps the publish
    // transaction small (Neo4j caps transaction memory)
    await this.discard(scope.jobId).catch((err) =>
      this.logger.warn(`dropping staging data of ${scope.jobId} failed: ${(err as Error).message}`),
    );
    return { ...result, atomic };
  }

  /** Drops a failed/cancelled run's staging data in bounded transactions; published data is untouched. */
  async discard(jobId: string): Promise<void> {
    for (const label of ['Staged', 'StagedEdge']) {
      for (;;) {
        const r = await this.neo4j.write(
          `MATCH (s:${label} {_stage_job: $job}) WITH s LIMIT 5000 DETACH DELETE s RETURN count(*) AS c`,
          { job: jobId },
        );
        if (Number(r.records[0]?.get('c') ?? 0) === 0) {
          break;
        }
      }
    }
  }

  /** Staging data older than `maxAgeMs` belongs to crashed runs; delete it. */
  async sweepStale(maxAgeMs = 24 * 3600_000): Promise<number> {
    const cutoff = Date.now() - maxAgeMs;
    let total = 0;
    for (const label of ['Staged', 'StagedEdge']) {
      for (;;) {
        const r = await this.neo4j.write(
          `MATCH (s:${label}) WHERE s._stage_at < $cutoff WITH s LIMIT 5000 DETACH DELETE s RETURN count(*) AS c`,
          { cutoff },
        );
        const c = Number(r.records[0]?.get('c') ?? 0);
        total += c;
        if (c === 0) {
          break;
        }
      }
    }
    return total;
  }

  /** Soft-deletes every live node/edge of a source (source deleted). */
  async archiveSource(orgId: string, sourceId: string): Promise<number> {
    const now = Date.now();
    await this.neo4j.write(
      `MATCH (:Entity {org_id: $org, source_id: $src})-[r]->() WHERE r.source_id = $src AND r.archived_at IS NULL SET r.archived_at = $now`,
      { org: orgId, src: sourceId, now },
    );
    const r = await this.neo4j.write(
      `MATCH (n:Entity {org_id: $org, source_id: $src}) WHERE n.archived_at IS NULL SET n.archived_at = $now RETURN count(n) AS c`,
      { org: orgId, src: sourceId, now },
    );
    return Number(r.records[0]?.get('c') ?? 0);
  }
}
