/**
 * Continuous ingest (issue 13): NDJSON lines/s through `POST /context/pipelines/:id/ingest` (target
 * `context_nodes`, one request of BENCH_CONTEXT_LINES lines, written to the graph by the API) beside a
 * raw neo4j-driver `UNWIND … MERGE` writer loading the same records in batches of 500 in the same
 * run, with the API's peak RSS while it ingests (VmRSS of its process, read every 20 ms).
 * The API runs on its own database (agentcy_bench_context, re-created) and Redis prefix, with
 * production logging and the ingest limits raised to fit the request.
 * Knobs: BENCH_CONTEXT_LINES (20000), BENCH_CONTEXT_REPEAT (3: medians).
 * Usage: npm run bench (BENCHES=context-ingest), or:
 *   TS_NODE_PROJECT=tsconfig.json node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/context-ingest.ts
 */
import neo4j from 'neo4j-driver';
import { readFileSync } from 'node:fs';
import { call, databaseUrlOf, freshDatabase } from './bench-db';
import { recordResults, type SummaryRow } from './lib';
import { startProcess, type BenchProcess } from './processes';

const lines = Number(process.env.BENCH_CONTEXT_LINES ?? 20_000);
const repeat = Math.max(1, Number(process.env.BENCH_CONTEXT_REPEAT ?? 3));
const dbName = 'agentcy_bench_context';
const BATCH = 500;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function records(round: number): { key: string; name: string; value: number; round: number }[] {
  return Array.from({ length: lines }, (_, i) => ({ key: `k${i}`, name: `Item ${i}`, value: i, round }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main() {
  await freshDatabase(dbName);
  const procs: BenchProcess[] = [];
  const driver = neo4j.driver(
    process.env.NEO4J_URI ?? 'bolt://127.0.0.1:7687',
    neo4j.auth.basic(process.env.NEO4J_USER ?? 'neo4j', process.env.NEO4J_PASSWORD ?? 'password'),
  );
  const database = process.env.NEO4J_DATABASE ?? 'neo4j';
  try {
    const api = await startProcess('api-context-ingest', 'src/main.ts', {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrlOf(dbName),
      REDIS_PREFIX: 'agentcy-bench-context:',
      LOGIN_RATE_LIMIT_PER_MIN: '100000',
      CONTEXT_INGEST_MAX_LINES: String(lines + 1),
      CONTEXT_INGEST_MAX_BYTES: String(256 * 1024 * 1024),
    });
    procs.push(api);
    const login = await call(api.baseUrl, 'POST', '/api/v1/auth/login', undefined, {
      email: 'admin@localhost',
      password: 'admin',
    });
    const jwt = login.token as string;
    const me = await call(api.baseUrl, 'GET', '/api/v1/users/me', jwt);
    const orgId = (me.org_id ?? me.orgId) as string;
    const pipeline = await call(api.baseUrl, 'POST', '/api/v1/context/pipelines', jwt, {
      name: `bench-${Date.now().toString(36)}`,
      kind: 'webhook',
      target_table: 'context_nodes',
      realm: 'default',
    });
    const { token } = await call(api.baseUrl, 'POST', `/api/v1/context/pipelines/${pipeline.id}/tokens`, jwt, {
      name: 'bench',
    });

    const apiRates: number[] = [];
    const peaks: number[] = [];
    const rawRates: number[] = [];
    const base = rssKb(api.pid);
    for (let r = 0; r < repeat; r++) {
      const body = `${records(r)
        .map((x) => JSON.stringify(x))
        .join('\n')}\n`;
      let peak = rssKb(api.pid);
      const timer = setInterval(() => (peak = Math.max(peak, rssKb(api.pid))), 20);
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${api.baseUrl}/api/v1/context/pipelines/${pipeline.id}/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      const answer = (await res.json()) as { accepted?: number };
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      clearInterval(timer);
      if (res.status !== 202 || answer.accepted !== lines) {
        throw new Error(`ingest answered ${res.status}: ${JSON.stringify(answer).slice(0, 300)}`);
      }
      apiRates.push(lines / secs);
      peaks.push(peak);

      // raw: the same records, UNWIND MERGE in batches of 500, same Neo4j
      const rows = records(r);
      const session = driver.session({ database });
      const r0 = process.hrtime.bigint();
      try {
        for (let i = 0; i < rows.length; i += BATCH) {
          await session.executeWrite((tx) =>
            tx.run(
              `UNWIND $rows AS row
               MERGE (n:Entity {org_id: $org, source_id: 'bench:raw-context', key: row.key})
               SET n:BenchRecord, n.name = row.name, n.value = row.value, n.round = row.round,
                   n.realm = 'default', n.updated_at = timestamp()`,
              { rows: rows.slice(i, i + BATCH), org: `bench-raw-${orgId}` },
            ),
          );
        }
      } finally {
        await session.close();
      }
      rawRates.push(lines / (Number(process.hrtime.bigint() - r0) / 1e9));
      process.stdout.write(
        `round ${r + 1}: API ${Math.round(apiRates[r])} lines/s (peak RSS ${Math.round(peak / 1024)} MB), raw ${Math.round(rawRates[r])} lines/s\n`,
      );
    }
    const cleanup = driver.session({ database });
    try {
      await cleanup.run(
        `MATCH (n:Entity {org_id: $org}) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS`,
        {
          org: `bench-raw-${orgId}`,
        },
      );
    } finally {
      await cleanup.close();
    }
    const a = median(apiRates);
    const b = median(rawRates);
    const rows: SummaryRow[] = [
      {
        bench: `context ingest: NDJSON lines/s, one request of ${lines} node records through /context/pipelines (median of ${repeat})`,
        api: `${Math.round(a)} lines/s`,
        baseline: `${Math.round(b)} lines/s (raw neo4j-driver UNWIND MERGE, batch ${BATCH})`,
        ratio: Math.round((a / b) * 100) / 100,
      },
      {
        bench: `context ingest: peak RSS of the API while ingesting ${lines} lines (median of ${repeat})`,
        api: `${Math.round(median(peaks) / 1024)} MB (${Math.round(base / 1024)} MB before)`,
        baseline: `request body ${(Buffer.byteLength(JSON.stringify(records(0))) / 1048576).toFixed(1)} MB`,
      },
    ];
    for (const row of rows) {
      process.stdout.write(`${row.bench}: ${row.api} | ${row.baseline} | ratio ${row.ratio ?? '—'}\n`);
    }
    recordResults('context-ingest', rows);
  } finally {
    await driver.close();
    for (const p of procs.reverse()) {
      await p.stop();
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
