import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { Injectable, Logger } from '@nestjs/common';
import neo4j, { type ManagedTransaction, type QueryResult } from 'neo4j-driver';
import {
  assertSafeLabel,
  contentHash,
  flatProps,
  GraphWriteError,
  searchText,
  type CommitResult,
  type EdgeRow,
  type NodeRow,
  type WriteScope,
} from './graph-rows';
import { Neo4jService } from './neo4j.service';

export {
  assertSafeLabel,
  GraphWriteError,
  SAFE_IDENT_RE,
  searchText,
  type CommitResult,
  type WriteScope,
} from './graph-rows';

const neo4jInt = (n: number) => neo4j.int(Math.min(n, 2 ** 52));

/**
 * A run's staged rows, in staging order: first those spilled to `:StagedBatch` nodes (sequence
 * numbers 0 … seq-1), then those still held in memory.
 */
interface StagedRun {
  nodes: NodeRow[];
  edges: EdgeRow[];
  /** characters of the JSON of the rows held in memory (a size estimate) */
  chars: number;
  /** characters of the JSON of every row staged by this run (sizes its publish statements) */
  totalChars: number;
  /** `:StagedBatch` nodes written so far */
  seq: number;
  spilledNodes: number;
  spilledEdges: number;
  startedAt: number;
}

/** How much of one run the writer holds in memory; beyond it the held rows are spilled to Neo4j. */
export interface StagingMemoryLimit {
  /** staged nodes + edges */
  maxRows: number;
  /** characters of the staged rows' JSON */
  maxChars: number;
}

/** Rows per statement of an atomic publish (its statements are pipelined in one transaction)… */
const ATOMIC_CHUNK = 2_000;
/** …fewer when rows are big: about this many characters of parameters per statement. */
const ATOMIC_CHUNK_CHARS = 4_000_000;
/** Nodes (and edges) per `:StagedBatch` node, each kind stored as one JSON string. */
const SPILL_CHUNK = 2_000;
/** `:StagedBatch` nodes per spill transaction. */
const SPILL_TX_BATCHES = 4;

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) {
    out.push(rows.slice(i, i + size));
  }
  return out;
}

/** Rows per label/type, each group in staging order. */
function groupBy<T>(rows: T[], by: (row: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = by(row);
    const g = groups.get(k);
    if (g) {
      g.push(row);
    } else {
      groups.set(k, [row]);
    }
  }
  return [...groups];
}

/** JSON of spilled rows keeps NaN and ±Infinity (plain JSON would turn them into null); property values are never objects. */
const toJson = (rows: unknown[]) =>
  JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v));
const fromJson = <T>(text: string): T[] =>
  JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && '$num' in v ? Number((v as { $num: string }).$num) : v,
  ) as T[];

/** Realm part of an orphan scope (`commit`'s `archiveRealms`): `$arch_only` null = every realm. */
const inArchiveRealms = (v: string) =>
  `($arch_only IS NULL OR ${v}.realm IN $arch_only) AND NOT coalesce(${v}.realm IN $arch_except, false)`;

const countOf = (r: QueryResult) => Number(r.records[0]?.get('c') ?? 0);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Writes ingestion batches into Neo4j with snapshot semantics.
 *
 * A run first *stages* its data, which no reader can see: while the run is small
 * (`stagingMemory`, by default 20 000 rows or 32 M characters of JSON) the rows stay in this
 * process's memory; beyond that they are spilled to `:StagedBatch` nodes (JSON strings of up to
 * 2 000 rows, keyed by `_stage_job`, without `:Entity` and `org_id`). `commit` then publishes the
 * rows with parameterised `UNWIND $rows …` statements: MERGE `:Entity:<Label>` by (org_id,
 * source_id, key), replace its properties (or only re-stamp `snapshot` when the content hash is
 * unchanged), clear `archived_at`, MERGE edges by (from key, to key, type) the same way, and
 * (full mode) archive the source's nodes/edges whose snapshot is not this run. Runs with at most
 * `atomicMaxRows` rows are published in ONE transaction. A failed or cancelled run only calls
 * `discard`, which drops its staged rows; the previous snapshot stays exactly as it was.
 * Stage and commit of one run go through the same writer (the runner does both in one job
 * execution); a crashed process loses only unpublished rows, and the retried job stages again.
 */
@Injectable()
export class GraphWriter {
  private readonly logger = new Logger(GraphWriter.name);
  private schemaReady?: Promise<void>;
  private readonly runs = new Map<string, StagedRun>();
  /** Held in memory per running job before its rows are spilled to Neo4j. */
  stagingMemory: StagingMemoryLimit = { maxRows: 20_000, maxChars: 32 * 1024 * 1024 };

  constructor(private readonly neo4j: Neo4jService) {}

  /** Staging index (idempotent). Entity lookups use graph-schema's (org_id, source_id, key) uniqueness constraint. */
  ensureSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      const stmts = ['CREATE INDEX staged_batch_job IF NOT EXISTS FOR (b:StagedBatch) ON (b._stage_job)'];
      for (const s of stmts) {
        try {
          await this.neo4j.write(s);
        } catch (err) {
          // an equivalent index already serves the lookup
          this.logger.debug?.(`schema statement skipped: ${(err as Error).message}`);
        }
      }
    })().catch((err) => {
      this.schemaReady = undefined;
      throw err;
    });
    return this.schemaReady;
  }

  /** Stages one batch (already sized by the caller). Invisible until commit. */
  async stage(
    scope: WriteScope,
    nodes: GraphNodeInput[],
    edges: GraphEdgeInput[],
  ): Promise<{ nodes: number; edges: number }> {
    await this.ensureSchema();
    let chars = 0;
    const nodeRows: NodeRow[] = nodes.map((n) => {
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
      const { hash, size } = contentHash(scope.realm, content);
      chars += size;
      return { key: n.key, label: n.label, hash, props: content };
    });
    const edgeRows: EdgeRow[] = edges.map((e) => {
      assertSafeLabel(e.type, 'relationship type');
      const content = flatProps(e.properties);
      const { hash, size } = contentHash(scope.realm, { ...content, _type: e.type });
      chars += size + String(e.fromKey).length + String(e.toKey).length;
      return { type: e.type, from: e.fromKey, to: e.toKey, hash, props: content };
    });
    let run = this.runs.get(scope.jobId);
    if (!run) {
      run = {
        nodes: [],
        edges: [],
        chars: 0,
        totalChars: 0,
        seq: 0,
        spilledNodes: 0,
        spilledEdges: 0,
        startedAt: Date.now(),
      };
      this.runs.set(scope.jobId, run);
    }
    for (const r of nodeRows) {
      run.nodes.push(r);
    }
    for (const r of edgeRows) {
      run.edges.push(r);
    }
    run.chars += chars;
    run.totalChars += chars;
    if (run.nodes.length + run.edges.length > this.stagingMemory.maxRows || run.chars > this.stagingMemory.maxChars) {
      await this.spill(scope.jobId, run);
    }
    return { nodes: nodeRows.length, edges: edgeRows.length };
  }

  /** Moves the rows held in memory to `:StagedBatch` nodes; rows leave memory once their transaction committed. */
  private async spill(job: string, run: StagedRun): Promise<void> {
    while (run.nodes.length || run.edges.length) {
      const batches: Record<string, unknown>[] = [];
      let n = 0;
      let e = 0;
      for (let k = 0; k < SPILL_TX_BATCHES && (n < run.nodes.length || e < run.edges.length); k++) {
        const nodes = run.nodes.slice(n, n + SPILL_CHUNK);
        const edges = run.edges.slice(e, e + SPILL_CHUNK);
        batches.push({
          seq: neo4jInt(run.seq + k),
          n: neo4jInt(nodes.length),
          e: neo4jInt(edges.length),
          nodes: toJson(nodes),
          edges: toJson(edges),
        });
        n += nodes.length;
        e += edges.length;
      }
      await this.neo4j.write(
        'UNWIND $batches AS b CREATE (s:StagedBatch) SET s = b, s._stage_job = $job, s._stage_at = $now',
        { batches, job, now: Date.now() },
      );
      run.seq += batches.length;
      run.spilledNodes += n;
      run.spilledEdges += e;
      run.nodes = run.nodes.slice(n);
      run.edges = run.edges.slice(e);
    }
    run.chars = 0;
  }

  /** What another writer instance (or process) spilled for this job; nothing when it staged nothing. */
  private async spilledRun(job: string): Promise<StagedRun> {
    const r = await this.neo4j.read(
      `MATCH (b:StagedBatch) WHERE b._stage_job = $job
       RETURN count(b) AS batches, sum(b.n) AS n, sum(b.e) AS e`,
      { job },
    );
    const rec = r.records[0];
    return {
      nodes: [],
      edges: [],
      chars: 0,
      totalChars: 0,
      seq: Number(rec?.get('batches') ?? 0),
      spilledNodes: Number(rec?.get('n') ?? 0),
      spilledEdges: Number(rec?.get('e') ?? 0),
      startedAt: Date.now(),
    };
  }

  /** All staged rows of one kind, in staging order. */
  private async allRows<T extends NodeRow | EdgeRow>(
    job: string,
    run: StagedRun,
    kind: 'nodes' | 'edges',
  ): Promise<T[]> {
    const held = (kind === 'nodes' ? run.nodes : run.edges) as T[];
    if (!run.seq) {
      return held;
    }
    const r = await this.neo4j.read(
      `MATCH (b:StagedBatch) WHERE b._stage_job = $job RETURN b.${kind} AS rows ORDER BY b.seq`,
      { job },
    );
    let rows: T[] = [];
    for (const rec of r.records) {
      rows = rows.concat(fromJson<T>(String(rec.get('rows'))));
    }
    return rows.concat(held);
  }

  /** Staged rows of one kind in staging order, one spilled batch at a time (bounded memory). */
  private async *rowBatches<T extends NodeRow | EdgeRow>(
    job: string,
    run: StagedRun,
    kind: 'nodes' | 'edges',
  ): AsyncGenerator<T[]> {
    for (let seq = 0; seq < run.seq; seq++) {
      const r = await this.neo4j.read(
        `MATCH (b:StagedBatch) WHERE b._stage_job = $job AND b.seq = $seq RETURN b.${kind} AS rows`,
        { job, seq: neo4jInt(seq) },
      );
      yield fromJson<T>(String(r.records[0]?.get('rows') ?? '[]'));
    }
    yield (kind === 'nodes' ? run.nodes : run.edges) as T[];
  }

  private static nodeStatement(label: string): string {
    assertSafeLabel(label);
    return `UNWIND $rows AS row
           MERGE (n:Entity {org_id: $org, source_id: $src, key: row.key})
             ON CREATE SET n.id = 'n_' + randomUUID(), n.created_at = $now
           WITH n, row.props AS props, row.hash AS hash, n.id AS nid, n.created_at AS created,
                coalesce(n.content_hash = row.hash, false) AS same
           // unchanged content (same hash, realm included): only re-stamp the snapshot
           FOREACH (_ IN CASE WHEN same THEN [1] ELSE [] END | SET n.snapshot = $job, n.archived_at = null)
           FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
             SET n = props {.*, content_hash: hash, id: nid, created_at: created, updated_at: $now,
                            org_id: $org, source_id: $src, realm: $realm, snapshot: $job}
             SET n:\`${label}\`)
           RETURN count(*) AS c`;
  }

  private static edgeStatement(type: string): string {
    assertSafeLabel(type, 'relationship type');
    return `UNWIND $rows AS row
           MATCH (a:Entity {org_id: $org, source_id: $src, key: row.from}) WHERE a.archived_at IS NULL
           MATCH (b:Entity {org_id: $org, source_id: $src, key: row.to}) WHERE b.archived_at IS NULL
           MERGE (a)-[r:\`${type}\`]->(b)
           WITH r, row.props AS props, row.hash AS hash, coalesce(r.content_hash = row.hash, false) AS same
           FOREACH (_ IN CASE WHEN same THEN [1] ELSE [] END | SET r.snapshot = $job, r.archived_at = null)
           FOREACH (_ IN CASE WHEN same THEN [] ELSE [1] END |
             SET r = props {.*, content_hash: hash, created_at: coalesce(r.created_at, $now), updated_at: $now,
                            org_id: $org, realm: $realm, source_id: $src, snapshot: $job})
           RETURN count(*) AS c`;
  }

  /** Whether any node of the source exists (archived ones included); if none, the run cannot orphan anything. */
  private static readonly SOURCE_EXISTS = 'MATCH (n:Entity {org_id: $org, source_id: $src}) RETURN 1 AS x LIMIT 1';

  private static readonly ARCHIVE_NODES = `MATCH (n:Entity {org_id: $org, source_id: $src})
           WHERE n.archived_at IS NULL AND (n.snapshot IS NULL OR n.snapshot <> $job)
             AND ${inArchiveRealms('n')}
           WITH n LIMIT $batch SET n.archived_at = $now RETURN count(n) AS c`;

  private static readonly ARCHIVE_EDGES = `MATCH (:Entity {org_id: $org, source_id: $src})-[r]->()
           WHERE r.source_id = $src AND r.archived_at IS NULL AND (r.snapshot IS NULL OR r.snapshot <> $job)
             AND ${inArchiveRealms('r')}
           WITH r LIMIT $batch SET r.archived_at = $now RETURN count(r) AS c`;

  private static readonly DROP_SPILLED = 'MATCH (b:StagedBatch) WHERE b._stage_job = $job DETACH DELETE b';

  /** Statements for some node rows, sent without waiting for each other (Neo4j runs a transaction's statements in order). */
  private static writeNodes(tx: ManagedTransaction, p: Record<string, unknown>, rows: NodeRow[]): Promise<number>[] {
    return groupBy(rows, (r) => r.label).map(([label, group]) =>
      tx.run(GraphWriter.nodeStatement(label), { ...p, rows: group }).then(countOf),
    );
  }

  private static writeEdges(tx: ManagedTransaction, p: Record<string, unknown>, rows: EdgeRow[]): Promise<number>[] {
    return groupBy(rows, (r) => r.type).map(([type, group]) =>
      tx.run(GraphWriter.edgeStatement(type), { ...p, rows: group }).then(countOf),
    );
  }

  /**
   * Publishes a staged run. Runs with at most `atomicMaxRows` staged nodes+edges are published in
   * ONE transaction (readers see the old snapshot or the new one, never a mix). Larger runs would
   * exceed Neo4j's transaction memory, so they are published in batches of `batchSize` after
   * staging finished; see docs/ingestion.md for what that means for readers.
   */
  async commit(
    scope: WriteScope,
    opts: {
      archive: boolean;
      atomicMaxRows?: number;
      batchSize?: number;
      /**
       * Realms whose orphans this run archives (default: every realm of the source): `only` limits
       * the orphan scope to those realms, `except` leaves those realms out (docs/pipelines.md).
       */
      archiveRealms?: { only?: string[]; except?: string[] };
    },
  ): Promise<CommitResult & { atomic: boolean }> {
    await this.ensureSchema();
    const p = {
      job: scope.jobId,
      org: scope.orgId,
      src: scope.sourceId,
      realm: scope.realm,
      now: Date.now(),
      arch_only: opts.archiveRealms?.only ?? null,
      arch_except: opts.archiveRealms?.except ?? [],
    };
    const run = this.runs.get(scope.jobId) ?? (await this.spilledRun(scope.jobId));
    this.runs.delete(scope.jobId);
    let stagingLeft = run.seq > 0;
    try {
      const staged = run.spilledNodes + run.spilledEdges + run.nodes.length + run.edges.length;
      const atomic = staged <= (opts.atomicMaxRows ?? Number.MAX_SAFE_INTEGER);
      if (atomic) {
        const result = await this.publishAtomic(p, run, opts.archive);
        stagingLeft = false;
        return { ...result, atomic };
      }
      return { ...(await this.publishBatched(p, run, opts.archive, opts.batchSize ?? 1000)), atomic };
    } finally {
      if (stagingLeft) {
        // invisible either way; dropped in bounded transactions
        await this.discard(scope.jobId).catch((err) =>
          this.logger.warn(`dropping staging data of ${scope.jobId} failed: ${(err as Error).message}`),
        );
      }
    }
  }

  /** One transaction whose statements are pipelined; it also drops the run's spilled staging nodes. */
  private async publishAtomic(p: Record<string, unknown>, run: StagedRun, archive: boolean): Promise<CommitResult> {
    const job = String(p.job);
    const nodes = await this.allRows<NodeRow>(job, run, 'nodes');
    const edges = await this.allRows<EdgeRow>(job, run, 'edges');
    const avgChars = run.totalChars / Math.max(1, nodes.length + edges.length);
    const size = Math.max(100, Math.min(ATOMIC_CHUNK, Math.floor(ATOMIC_CHUNK_CHARS / Math.max(1, avgChars))));
    return this.neo4j.writeTx(async (tx) => {
      const orphansPossible = archive && (await tx.run(GraphWriter.SOURCE_EXISTS, p)).records.length > 0;
      const all = { ...p, batch: neo4jInt(Number.MAX_SAFE_INTEGER) };
      const nodeCounts = chunks(nodes, size).flatMap((c) => GraphWriter.writeNodes(tx, p, c));
      const nodesArchived = orphansPossible ? tx.run(GraphWriter.ARCHIVE_NODES, all).then(countOf) : 0;
      const edgeCounts = chunks(edges, size).flatMap((c) => GraphWriter.writeEdges(tx, p, c));
      const edgesArchived = orphansPossible ? tx.run(GraphWriter.ARCHIVE_EDGES, all).then(countOf) : 0;
      const dropped = run.seq > 0 ? tx.run(GraphWriter.DROP_SPILLED, p) : undefined;
      const [nodesWritten, edgesWritten, na, ea] = await Promise.all([
        Promise.all(nodeCounts).then(sum),
        Promise.all(edgeCounts).then(sum),
        nodesArchived,
        edgesArchived,
        dropped,
      ]);
      return {
        nodesWritten,
        edgesWritten,
        edgesSkipped: edges.length - edgesWritten,
        nodesArchived: na,
        edgesArchived: ea,
      };
    });
  }

  /**
   * One transaction per batch of at most `batchSize` nodes and `batchSize` edges. Nodes go first;
   * an edge of a run held in memory rides along as soon as both its endpoints are published, every
   * other edge waits until all nodes are published and orphans are archived (so an edge to a node
   * this run does not contain is skipped, as in an atomic publish).
   */
  private async publishBatched(
    p: Record<string, unknown>,
    run: StagedRun,
    archive: boolean,
    batchSize: number,
  ): Promise<CommitResult> {
    const job = String(p.job);
    const result: CommitResult = {
      nodesWritten: 0,
      edgesWritten: 0,
      edgesSkipped: 0,
      nodesArchived: 0,
      edgesArchived: 0,
    };
    const orphansPossible = archive && (await this.neo4j.read(GraphWriter.SOURCE_EXISTS, p)).records.length > 0;
    const archiveAll = async (q: string) => {
      let total = 0;
      for (;;) {
        const c = countOf(await this.neo4j.write(q, { ...p, batch: neo4jInt(batchSize) }));
        total += c;
        if (c < batchSize) {
          return total;
        }
      }
    };
    const publish = async (nodes: NodeRow[], edges: EdgeRow[]) => {
      const [n, e] = await this.neo4j.writeTx((tx) => {
        const nc = Promise.all(GraphWriter.writeNodes(tx, p, nodes)).then(sum);
        const ec = Promise.all(GraphWriter.writeEdges(tx, p, edges)).then(sum);
        return Promise.all([nc, ec]);
      });
      result.nodesWritten += n;
      result.edgesWritten += e;
      result.edgesSkipped += edges.length - e;
    };
    // edges of a run held in memory, by the node batch after which both endpoints exist
    const early: EdgeRow[][] = [];
    let late: EdgeRow[] = run.edges;
    if (!run.seq) {
      const batchOf = new Map<string, number>();
      run.nodes.forEach((n, i) => {
        if (!batchOf.has(n.key)) {
          batchOf.set(n.key, Math.floor(i / batchSize));
        }
      });
      late = [];
      for (const e of run.edges) {
        const a = batchOf.get(e.from);
        const b = batchOf.get(e.to);
        if (a === undefined || b === undefined) {
          late.push(e);
        } else {
          (early[Math.max(a, b)] ??= []).push(e);
        }
      }
    }
    let ready: EdgeRow[] = [];
    let batchNo = 0;
    for await (const rows of this.rowBatches<NodeRow>(job, run, 'nodes')) {
      for (const nodes of chunks(rows, batchSize)) {
        ready = ready.concat(early[batchNo++] ?? []);
        await publish(nodes, ready.slice(0, batchSize));
        ready = ready.slice(batchSize);
      }
    }
    for (const edges of chunks(ready, batchSize)) {
      await publish([], edges);
    }
    if (orphansPossible) {
      result.nodesArchived = await archiveAll(GraphWriter.ARCHIVE_NODES);
    }
    if (run.seq) {
      for await (const rows of this.rowBatches<EdgeRow>(job, run, 'edges')) {
        for (const edges of chunks(rows, batchSize)) {
          await publish([], edges);
        }
      }
    } else {
      for (const edges of chunks(late, batchSize)) {
        await publish([], edges);
      }
    }
    if (orphansPossible) {
      result.edgesArchived = await archiveAll(GraphWriter.ARCHIVE_EDGES);
    }
    return result;
  }

  /** Drops a failed/cancelled run's staged rows (memory and Neo4j); published data is untouched. */
  async discard(jobId: string): Promise<void> {
    this.runs.delete(jobId);
    await this.deleteStaging('s._stage_job = $job', { job: jobId });
  }

  /** Staged rows older than `maxAgeMs` belong to crashed or abandoned runs; delete them. */
  async sweepStale(maxAgeMs = 24 * 3600_000): Promise<number> {
    const cutoff = Date.now() - maxAgeMs;
    for (const [job, run] of this.runs) {
      if (run.startedAt < cutoff) {
        this.runs.delete(job);
      }
    }
    return this.deleteStaging('s._stage_at < $cutoff', { cutoff });
  }

  /** Bounded deletes of staging nodes (`:Staged`/`:StagedEdge`: one node per row, written by earlier versions). */
  private async deleteStaging(where: string, params: Record<string, unknown>): Promise<number> {
    const limits = { StagedBatch: 20, Staged: 5000, StagedEdge: 5000 };
    const q = `${Object.entries(limits)
      .map(
        ([label, limit]) =>
          `CALL { MATCH (s:${label}) WHERE ${where} WITH s LIMIT ${limit} DETACH DELETE s RETURN count(*) AS ${label} }`,
      )
      .join('\n')}
      RETURN ${Object.keys(limits).join(', ')}`;
    let total = 0;
    for (;;) {
      const rec = (await this.neo4j.write(q, params)).records[0];
      const counts = Object.keys(limits).map((label) => Number(rec?.get(label) ?? 0));
      total += sum(counts);
      if (Object.values(limits).every((limit, i) => counts[i] < limit)) {
        return total;
      }
    }
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
