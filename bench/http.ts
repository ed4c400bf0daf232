/**
 * HTTP throughput of the API against baselines started by this bench, all in the same run, each
 * a separate process on loopback; loads run one after another (API, then its baseline), each after
 * a 2 s warm-up load:
 *   GET /health, /health/live  — vs a bare NestJS 11 app on Express (same bodies; once with the stock
 *                              ExpressAdapter, the target's baseline, and once with the API's own
 *                              PrototypedExpressAdapter, which shows the cost of our pipeline alone), and raw node:http;
 *   GET /users?limit=20 (JWT, then API key), /sources, /chat/conversations, /graph/nodes/search
 *                              — vs bench/baselines/raw-api.ts (node:http + pg + neo4j-driver, same work).
 * The API runs with its production logging defaults (LOG_LEVEL=info, every request logged, output to
 * bench/logs/api.log) and a rate limit high enough never to answer 429 (the limiter still runs).
 * Load tool: wrk -t1 (autocannon when wrk is not installed). Knobs: BENCH_DURATION_SEC (10),
 * BENCH_CONNECTIONS (50), BENCH_WARMUP_SEC (2), BENCH_ROUTES (words: only routes whose name has one), BENCH_ROUNDS (1: with more, API and baseline alternate
 * that many times per route and the medians are compared), DATABASE_URL.
 * Usage: npm run bench (BENCHES=http), or: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/http.ts
 */
import { isDeepStrictEqual } from 'node:util';
import { prepareFixtures } from './http-fixtures';
import { recordResults, type SummaryRow } from './lib';
import { startProcess, type BenchProcess } from './processes';
import { figure, isClean, loadTool, loadToolLabel, measureWarm, median, type Measured } from './wrk';

const durationSec = Number(process.env.BENCH_DURATION_SEC ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const warmupSec = Number(process.env.BENCH_WARMUP_SEC ?? 2);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/agentcy';

interface Target {
  /** short name of the route, e.g. "GET /users?limit=20 (JWT)" */
  route: string;
  path: string;
  headers?: Record<string, string>;
  /** each baseline measured right after the API on this route */
  baselines: { name: string; proc: () => BenchProcess; target?: number }[];
}

async function getJson(url: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function run(name: string, url: string, headers?: Record<string, string>): Promise<Measured> {
  return measureWarm(name, url, { durationSec, connections, headers, warmupSec });
}

function table(rows: Measured[]): string {
  return [
    '| target | req/s | p50 ms | p99 ms | non-2xx | socket errors | requests |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${isClean(r) ? r.requestsPerSec : `~~${r.requestsPerSec}~~ INVALID`} | ${r.latencyP50Ms} | ${r.latencyP99Ms} | ${r.non2xx} | ${r.socketErrors} | ${r.totalRequests} |`,
    ),
  ].join('\n');
}

async function main() {
  const tool = loadToolLabel({ durationSec, connections });
  process.stdout.write(`load tool: ${loadTool()} (${tool}), warm-up ${warmupSec} s before each load\n`);
  const procs: BenchProcess[] = [];
  try {
    const api = await startProcess('api', 'src/main.ts', {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MIN: '1000000000',
      // setup only (one login, invite acceptances); the measured routes are authenticated
      LOGIN_RATE_LIMIT_PER_MIN: '100000',
      AUTH_ANON_RATE_LIMIT_PER_MIN: '100000',
      DATABASE_URL: databaseUrl,
    });
    procs.push(api);
    const health = await getJson(`${api.baseUrl}/api/v1/health`);
    const live = await getJson(`${api.baseUrl}/api/v1/health/live`);
    if (health.status !== 200 || live.status !== 200) {
      throw new Error(`API health answers ${health.status}/${live.status}: ${JSON.stringify(health.body)}`);
    }
    const fx = await prepareFixtures(api.baseUrl);
    const bodies = { BENCH_HEALTH_BODY: JSON.stringify(health.body), BENCH_LIVE_BODY: JSON.stringify(live.body) };
    const bareNest = await startProcess('bare-nest', 'bench/baselines/bare-nest.ts', bodies);
    procs.push(bareNest);
    const bareNestSameAdapter = await startProcess('bare-nest-prototyped', 'bench/baselines/bare-nest.ts', {
      ...bodies,
      BENCH_ADAPTER: 'prototyped',
    });
    procs.push(bareNestSameAdapter);
    const rawHealth = await startProcess('raw-health', 'bench/baselines/raw-health.ts', bodies);
    procs.push(rawHealth);
    const rawApi = await startProcess('raw-api', 'bench/baselines/raw-api.ts', {
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '10',
    });
    procs.push(rawApi);

    const jwt = { Authorization: `Bearer ${fx.jwt}` };
    const key = { Authorization: `Bearer ${fx.apiKey}` };
    const raw = { name: 'raw node:http + pg', proc: () => rawApi };
    const allTargets: Target[] = [
      {
        route: 'GET /health',
        path: '/api/v1/health',
        baselines: [
          { name: 'bare NestJS on Express', proc: () => bareNest, target: 0.9 },
          { name: "bare NestJS on the API's Express adapter", proc: () => bareNestSameAdapter },
          { name: 'raw node:http', proc: () => rawHealth },
        ],
      },
      {
        route: 'GET /health/live',
        path: '/api/v1/health/live',
        baselines: [
          { name: 'bare NestJS on Express', proc: () => bareNest, target: 0.95 },
          { name: "bare NestJS on the API's Express adapter", proc: () => bareNestSameAdapter },
        ],
      },
      {
        route: 'GET /users?limit=20 (JWT)',
        path: '/api/v1/users?limit=20',
        headers: jwt,
        baselines: [{ ...raw, target: 0.6 }],
      },
      {
        route: 'GET /users?limit=20 (API key)',
        path: '/api/v1/users?limit=20',
        headers: key,
        baselines: [{ ...raw, target: 0.6 }],
      },
      { route: 'GET /sources?limit=20 (JWT)', path: '/api/v1/sources?limit=20', headers: jwt, baselines: [raw] },
      {
        route: 'GET /chat/conversations?limit=20 (JWT)',
        path: '/api/v1/chat/conversations?limit=20',
        headers: jwt,
        baselines: [raw],
      },
      {
        route: `GET /graph/nodes/search?q=${fx.searchQuery} (JWT)`,
        path: `/api/v1/graph/nodes/search?q=${encodeURIComponent(fx.searchQuery)}&limit=20`,
        headers: jwt,
        baselines: [raw],
      },
    ];

    // BENCH_ROUTES=health,users loads only the routes whose name contains one of the words
    const only = (process.env.BENCH_ROUTES ?? '').split(',').filter(Boolean);
    const targets = allTargets.filter((t) => only.length === 0 || only.some((w) => t.route.includes(w)));
    // every target must answer 2xx before it is loaded; the bodies should match the API's
    for (const t of targets) {
      const a = await getJson(`${api.baseUrl}${t.path}`, t.headers);
      for (const b of t.baselines) {
        const r = await getJson(`${b.proc().baseUrl}${t.path}`, t.headers);
        if (a.status !== 200 || r.status !== 200) {
          throw new Error(`${t.route}: API ${a.status}, ${b.name} ${r.status}: ${JSON.stringify(r.body ?? a.body)}`);
        }
        const same = isDeepStrictEqual(a.body, r.body);
        process.stdout.write(`${t.route}: ${b.name} body ${same ? 'identical to' : 'DIFFERS from'} the API's\n`);
      }
    }

    const measured: Measured[] = [];
    const rows: SummaryRow[] = [];
    const label = rounds > 1 ? `${tool}, median of ${rounds} rounds` : tool;
    for (const t of targets) {
      process.stdout.write(`${t.route}\n`);
      const apiRuns: Measured[] = [];
      const baseRuns: Measured[][] = t.baselines.map(() => []);
      for (let r = 1; r <= rounds; r++) {
        const suffix = rounds > 1 ? ` #${r}` : '';
        apiRuns.push(await run(`API ${t.route}${suffix}`, `${api.baseUrl}${t.path}`, t.headers));
        for (const [i, b] of t.baselines.entries()) {
          baseRuns[i].push(await run(`${b.name} ${t.route}${suffix}`, `${b.proc().baseUrl}${t.path}`, t.headers));
        }
      }
      measured.push(...apiRuns, ...baseRuns.flat());
      const a = median(apiRuns);
      for (const [i, b] of t.baselines.entries()) {
        const m = median(baseRuns[i]);
        const valid = isClean(a) && isClean(m) && m.requestsPerSec > 0;
        const ratio = valid ? Math.round((a.requestsPerSec / m.requestsPerSec) * 100) / 100 : undefined;
        rows.push({
          bench: `\`${t.route}\` vs ${b.name} (${label})`,
          api: figure(a),
          baseline: `${figure(m)} (${b.name})`,
          ratio,
          ...(b.target !== undefined ? { target: `≥ ${b.target}`, met: ratio !== undefined && ratio >= b.target } : {}),
        });
      }
    }
    process.stdout.write(`\n${table(measured)}\n\n`);
    for (const r of rows) {
      process.stdout.write(`${r.bench}: ratio ${r.ratio ?? 'INVALID'}${r.target ? ` (target ${r.target})` : ''}\n`);
    }
    if (only.length === 0) {
      recordResults('http', rows);
    }
    process.stdout.write(`API log: ${api.logFile}\n`);
  } finally {
    for (const p of procs.reverse()) {
      await p.stop();
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
