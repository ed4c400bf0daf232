// organize-imports-ignore: side-effect imports (path aliases, reflect-metadata) must stay first
/**
 * Ingestion throughput into Neo4j: the GraphWriter (staged batches + one atomic commit with
 * snapshot/archive bookkeeping) versus a raw neo4j-driver `UNWIND … MERGE` batch writer loading the
 * same rows (nodes + edges) in the same run, same batch size, same Neo4j.
 * Usage: npm run bench (BENCHES=ingest), or
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/ingest.ts
 * Env: BENCH_INGEST_ROWS (default 5000; the atomic publish of one run must fit Neo4j's transaction memory), INGEST_BATCH_SIZE (default 500), BENCH_INGEST_REPEAT (default 2).
 */
import '../src/register-paths';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';
import { AppConfig } from '@libs/config';
import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { GraphWriter } from '@libs/graph/graph-writer';
import { Neo4jService } from '@libs/graph/neo4j.service';

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

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9, r];
}

async function main() {
  const config = AppConfig.fromEnv(process.env);
  const n = Number(process.env.BENCH_INGEST_ROWS ?? 5000);
  const batch = config.ingestBatchSize;
  const repeat = Number(process.env.BENCH_INGEST_REPEAT ?? 2);
  const neo = new Neo4jService(config);
  const writer = new GraphWriter(neo);
  await writer.ensureSchema();
  const rows = makeRows(n);
  const benchOrg = `bench-${randomUUID()}`;
  const results: { name: string; secs: number }[] = [];
  try {
    // warm-up (plans, connection pool)
    await rawLoad(neo.driver, config.neo4j.database, benchOrg, 'warm-raw', rows.slice(0, 1000), batch);
    await writerLoad(writer, benchOrg, 'warm-writer', rows.slice(0, 1000), batch, true);
    for (let i = 0; i < repeat; i++) {
      const rawSrc = `raw-${i}`;
      const [rawSecs] = await timed(() => rawLoad(neo.driver, config.neo4j.database, benchOrg, rawSrc, rows, batch));
      results.push({ name: `raw UNWIND MERGE (first load) #${i + 1}`, secs: rawSecs });
      for (const atomic of [true, false]) {
        const wSrc = `writer-${atomic ? 'atomic' : 'batched'}-${i}`;
        const mode = atomic ? 'atomic publish' : 'batched publish';
        const [wSecs, res] = await timed(() => writerLoad(writer, benchOrg, wSrc, rows, batch, atomic));
        if (res.nodesWritten !== n) {
          throw new Error(`writer wrote ${res.nodesWritten} nodes, expected ${n}`);
        }
        results.push({ name: `GraphWriter ${mode} (first load) #${i + 1}`, secs: wSecs });
      }
      // re-sync of the same rows into existing nodes
      const [rawUpd] = await timed(() => rawLoad(neo.driver, config.neo4j.database, benchOrg, rawSrc, rows, batch));
      results.push({ name: `raw UNWIND MERGE (re-sync) #${i + 1}`, secs: rawUpd });
      for (const atomic of [true, false]) {
        const wSrc = `writer-${atomic ? 'atomic' : 'batched'}-${i}`;
        const mode = atomic ? 'atomic publish' : 'batched publish';
        const [wUpd] = await timed(() => writerLoad(writer, benchOrg, wSrc, rows, batch, atomic));
        results.push({ name: `GraphWriter ${mode} (re-sync) #${i + 1}`, secs: wUpd });
      }
    }
  } finally {
    await cleanup(neo, benchOrg);
    await neo.onModuleDestroy();
  }
  const rate = (s: number) => Math.round(n / s);
  process.stdout.write(
    `rows: ${n} nodes + ${n - 1} edges, batch size ${batch}\n\n| path | seconds | rows/s |\n|---|---|---|\n`,
  );
  for (const r of results) {
    process.stdout.write(`| ${r.name} | ${r.secs.toFixed(2)} | ${rate(r.secs)} |\n`);
  }
  const avg = (f: (name: string) => boolean) => {
    const xs = results.filter((r) => f(r.name));
    return xs.reduce((s, r) => s + rate(r.secs), 0) / xs.length;
  };
  for (const phase of ['first', 're-sync']) {
    const raw = avg((x) => x.startsWith('raw') && x.includes(phase));
    for (const mode of ['atomic', 'batched']) {
      const w = avg((x) => x.startsWith(`GraphWriter ${mode}`) && x.includes(phase));
      process.stdout.write(
        `${phase.padEnd(8)} ${mode.padEnd(8)}: writer ${Math.round(w)} rows/s vs raw ${Math.round(raw)} rows/s → writer/raw = ${(w / raw).toFixed(2)}\n`,
      );
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
