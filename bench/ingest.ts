// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
/**
 * Ingestion throughput into Neo4j: the GraphWriter (staged batches + one atomic commit with
 * snapshot/archive bookkeeping) versus a raw neo4j-driver `UNWIND … MERGE` batch writer loading the
 * same rows (nodes + edges) in the same run, same batch size, same Neo4j.
 * Usage: npm run bench (BENCHES=ingest), or
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/ingest.ts
 * Env: BENCH_INGEST_ROWS (default 5000; the atomic publish of one run must fit Neo4j's transaction memory),
 * INGEST_BATCH_SIZE (default 500), BENCH_INGEST_REPEAT (default 3; figures are medians),
 * BENCH_INGEST_SPILLED (default 1; 0 skips the path that stages in Neo4j instead of memory).
 */
import '../src/register-paths';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';
import { AppConfig } from '@libs/config';
import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { GraphWriter } from '@libs/graph/graph-writer';
import { Neo4jService } from '@libs/graph/neo4j.service';
import { recordResults, type SummaryRow } from './lib';

interface Row {
  node: GraphNodeInput;
  edge?: GraphEdgeInput;
}

function makeRows(n: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      node: {
        label: 'BenchRecord',
        key: `k${i}`,
        name: `record ${i}`,
        description: `bench row number ${i}`,
        properties: {
          team: `team-${i % 17}`,
          score: i * 1.5,
          active: i % 2 === 0,
          tags: ['a', `t${i % 5}`],
          created: '2026-11-28',
        },
      },
      edge: i > 0 ? { type: 'NEXT', fromKey: `k${i - 1}`, toKey: `k${i}`, properties: { weight: i % 7 } } : undefined,
    });
  }
  return rows;
}

async function rawLoad(
  driver: import('neo4j-driver').Driver,
  database: string,
  orgId: string,
  sourceId: string,
  rows: Row[],
  batch: number,
) {
  const session = driver.session({ database, defaultAccessMode: neo4j.session.WRITE });
  try {
    for (let i = 0; i < rows.length; i += batch) {
      const chunk = rows.slice(i, i + batch);
      const nodes = chunk.map((r) => ({
        key: r.node.key,
        props: { ...r.node.properties, name: r.node.name, description: r.node.description, label: r.node.label },
      }));
      const edges = chunk
        .filter((r) => r.edge)
        .map((r) => ({ from: r.edge!.fromKey, to: r.edge!.toKey, props: r.edge!.properties }));
      await session.executeWrite(async (tx) => {
        await tx.run(
          `UNWIND $rows AS row
           MERGE (n:Entity {org_id: $org, source_id: $src, key: row.key})
           SET n:BenchRecord, n += row.props, n.realm = 'bench', n.updated_at = timestamp()`,
          { rows: nodes, org: orgId, src: sourceId },
        );
        await tx.run(
          `UNWIND $rows AS row
           MATCH (a:Entity {org_id: $org, source_id: $src, key: row.from})
           MATCH (b:Entity {org_id: $org, source_id: $src, key: row.to})
           MERGE (a)-[r:NEXT]->(b) SET r += row.props`,
          { rows: edges, org: orgId, src: sourceId },
        );
      });
    }
  } finally {
    await session.close();
  }
}

async function writerLoad(
  writer: GraphWriter,
  orgId: string,
  sourceId: string,
  rows: Row[],
  batch: number,
  atomic: boolean,
) {
  const scope = { orgId, sourceId, realm: 'bench', jobId: randomUUID() };
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    await writer.stage(
      scope,
      chunk.map((r) => r.node),
      chunk.filter((r) => r.edge).map((r) => r.edge!),
    );
  }
  const res = await writer.commit(scope, {
    archive: true,
    atomicMaxRows: atomic ? Number.MAX_SAFE_INTEGER : 0,
    batchSize: batch,
  });
  if (res.atomic !== atomic) {
    throw new Error('unexpected publish mode');
  }
  if (res.nodesWritten !== rows.length || res.edgesWritten !== rows.length - 1) {
    throw new Error(`writer wrote ${res.nodesWritten} nodes / ${res.edgesWritten} edges for ${rows.length} rows`);
  }
  return res;
}

async function cleanup(neo: Neo4jService, orgId: string) {
  for (;;) {
    const r = await neo.write(
      'MATCH (n:Entity {org_id: $org}) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS c',
      { org: orgId },
    );
    if (Number(r.records[0]?.get('c') ?? 0) === 0) {
      break;
    }
  }
}

interface Path {
  id: string;
  name: string;
  load: (sourceId: string, rows: Row[]) => Promise<unknown>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const config = AppConfig.fromEnv(process.env);
  const n = Number(process.env.BENCH_INGEST_ROWS ?? 5000);
  const batch = config.ingestBatchSize;
  const repeat = Number(process.env.BENCH_INGEST_REPEAT ?? 3);
  const neo = new Neo4jService(config);
  const writer = new GraphWriter(neo);
  // the same writer forced to stage in Neo4j (`:StagedBatch`), as runs above its memory limit do
  const spillingWriter = new GraphWriter(neo);
  spillingWriter.stagingMemory = { maxRows: 0, maxChars: 0 };
  await writer.ensureSchema();
  const rows = makeRows(n);
  const benchOrg = `bench-${randomUUID()}`;
  const paths: Path[] = [
    {
      id: 'raw',
      name: 'raw UNWIND MERGE',
      load: (src, r) => rawLoad(neo.driver, config.neo4j.database, benchOrg, src, r, batch),
    },
    {
      id: 'atomic',
      name: 'GraphWriter atomic publish',
      load: (src, r) => writerLoad(writer, benchOrg, src, r, batch, true),
    },
    {
      id: 'batched',
      name: 'GraphWriter batched publish',
      load: (src, r) => writerLoad(writer, benchOrg, src, r, batch, false),
    },
  ];
  if (process.env.BENCH_INGEST_SPILLED !== '0') {
    paths.push({
      id: 'spilled',
      name: 'GraphWriter atomic publish, staged in Neo4j',
      load: (src, r) => writerLoad(spillingWriter, benchOrg, src, r, batch, true),
    });
  }
  const phases = ['first load', 're-sync'] as const;
  const results: { path: Path; phase: (typeof phases)[number]; run: number; secs: number }[] = [];
  try {
    // warm-up (query plans, JIT of both processes, connection pool): every path, both phases
    for (const p of paths) {
      await p.load(`warm-${p.id}`, rows.slice(0, Math.min(n, 2000)));
      await p.load(`warm-${p.id}`, rows.slice(0, Math.min(n, 2000)));
    }
    for (let i = 0; i < repeat; i++) {
      // rotate the order so no path always runs first (the box is shared and noisy)
      const order = paths.map((_, k) => paths[(k + i) % paths.length]);
      // first load, then the identical rows again into the nodes the first load wrote (re-sync)
      for (const phase of phases) {
        for (const p of order) {
          const t0 = process.hrtime.bigint();
          await p.load(`${p.id}-${i}`, rows);
          results.push({ path: p, phase, run: i + 1, secs: Number(process.hrtime.bigint() - t0) / 1e9 });
        }
      }
    }
  } finally {
    await cleanup(neo, benchOrg);
    await neo.onModuleDestroy();
  }
  const rate = (s: number) => n / s;
  process.stdout.write(
    `rows: ${n} nodes + ${n - 1} edges, batch size ${batch}, ${repeat} runs (order rotated)\n\n| path | seconds | rows/s |\n|---|---|---|\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `| ${r.path.name} (${r.phase}) #${r.run} | ${r.secs.toFixed(2)} | ${Math.round(rate(r.secs))} |\n`,
    );
  }
  const medianRate = (p: Path, phase: string) =>
    median(results.filter((r) => r.path === p && r.phase === phase).map((r) => rate(r.secs)));
  const summary: SummaryRow[] = [];
  process.stdout.write(`\nmedian of ${repeat} runs:\n`);
  for (const phase of phases) {
    const raw = medianRate(paths[0], phase);
    for (const p of paths.slice(1)) {
      const w = medianRate(p, phase);
      const ratio = w / raw;
      process.stdout.write(
        `${phase.padEnd(10)} ${p.id.padEnd(8)}: writer ${Math.round(w)} rows/s vs raw ${Math.round(raw)} rows/s → writer/raw = ${ratio.toFixed(2)}\n`,
      );
      summary.push({
        bench: `ingest: ${p.name}${p.id === 'atomic' ? ' (default path)' : ''}, ${phase} of ${n} nodes + ${n - 1} edges (median of ${repeat})`,
        api: `${Math.round(w)} rows/s`,
        baseline: `${Math.round(raw)} rows/s (raw neo4j-driver UNWIND MERGE, batch ${batch})`,
        ratio: Math.round(ratio * 100) / 100,
        target: '≥ 0.8',
        met: ratio >= 0.8,
      });
    }
  }
  recordResults('ingest', summary);
}
main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
