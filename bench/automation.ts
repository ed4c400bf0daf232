/**
 * Automation benches (issue 11), each beside a raw baseline from the same run:
 *   POST /hooks/:id  — verify-and-enqueue throughput of a task's signed webhook (1 KB JSON body) vs
 *                      bench/baselines/raw-hooks.ts (node:http + HMAC + one Redis XADD), and the
 *                      same work in a bare NestJS app (bench/baselines/bare-nest-hooks.ts: the
 *                      framework's own floor against that raw server);
 *   cron fan-out     — one schedule tick of BENCH_CRON_TASKS (1000) tasks due at the same second:
 *                      time from the tick to the last `pending` run row, vs the same rows written raw
 *                      (one multi-row INSERT) plus one pipelined XADD per run.
 * Each part starts its own API process on one database (agentcy_bench_automation, re-created) and
 * Redis prefix (flushed between the parts), with production logging: the hooks part without a
 * task-run consumer (TASK_RUN_IN_API=false: runs stay queued; the agent loop is not measured), the
 * cron part with one run slot (TASK_CONCURRENCY=1, ticks consumed by the same process). Knobs: BENCH_DURATION_SEC (10), BENCH_CONNECTIONS (50), BENCH_WARMUP_SEC (2),
 * BENCH_CRON_TASKS (1000), BENCH_ROUNDS (3 here: the `/hooks` loads alternate API, raw and bare that many
 * times and the medians are compared).
 * Usage: npm run bench (BENCHES=automation), or:
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/automation.ts
 */
import Redis from 'ioredis';
import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { call, databaseUrlOf, freshDatabase, type Json } from './bench-db';
import { recordResults, type SummaryRow } from './lib';
import { startProcess, type BenchProcess } from './processes';
import { figure, isClean, loadTool, loadToolLabel, measureWarm, median, type Measured } from './wrk';

const durationSec = Number(process.env.BENCH_DURATION_SEC ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const warmupSec = Number(process.env.BENCH_WARMUP_SEC ?? 2);
const cronTasks = Number(process.env.BENCH_CRON_TASKS ?? 1000);
/** the raw `/hooks` baseline swings between ≈ 10 k and 15 k req/s from one load to the next on a 2-core box */
const hookRounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const dbName = 'agentcy_bench_automation';
const databaseUrl = databaseUrlOf(dbName);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = 'agentcy-bench-automation:';

async function flushPrefix(): Promise<void> {
  const r = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        await r.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

function alertPayload(): string {
  const alert = (i: number) => ({
    status: 'firing',
    labels: { alertname: 'HighErrorRate', severity: 'critical', service: `checkout-${i}`, env: 'prod' },
    annotations: {
      summary: 'Error rate above 5% for 10 minutes',
      runbook: 'https://runbooks.example.com/high-error-rate',
    },
    startsAt: '2026-12-06T10:00:00Z',
    fingerprint: `f${i}a9c3e1d2b4`,
  });
  return JSON.stringify({ receiver: 'agentcy', status: 'firing', alerts: [0, 1, 2].map(alert), version: '4' });
}

function run(name: string, url: string, headers: Record<string, string>, body: string): Promise<Measured> {
  return measureWarm(name, url, { durationSec, connections, headers, body, warmupSec });
}

async function hooksBench(api: BenchProcess, token: string, procs: BenchProcess[]): Promise<SummaryRow[]> {
  const task = await call(api.baseUrl, 'POST', '/api/v1/tasks', token, {
    name: `bench-hook-${Date.now().toString(36)}`,
    agent: 'default',
    trigger: { kind: 'webhook' },
    input_template: { instruction: 'Triage {{ trigger.body.alerts[0].labels.alertname }}' },
  });
  const secret = task.trigger.secret as string;
  const body = alertPayload();
  const headers = {
    'content-type': 'application/json',
    'x-agentcy-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
  };
  const raw = await startProcess('raw-hooks', 'bench/baselines/raw-hooks.ts', {
    RAW_HOOK_ID: task.id,
    RAW_HOOK_SECRET: secret,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
  });
  procs.push(raw);
  const bare = await startProcess('bare-nest-hooks', 'bench/baselines/bare-nest-hooks.ts', {
    RAW_HOOK_ID: task.id,
    RAW_HOOK_SECRET: secret,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
  });
  procs.push(bare);
  const path = `/api/v1/hooks/${task.id}`;
  for (const base of [api.baseUrl, raw.baseUrl, bare.baseUrl]) {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
    const answer = (await res.json()) as Json;
    if (res.status !== 202 || !answer.run_id) {
      throw new Error(`${base}${path} answered ${res.status}: ${JSON.stringify(answer)}`);
    }
  }
  process.stdout.write(`POST /hooks/:id (${Buffer.byteLength(body)} B body)\n`);
  const rounds: [Measured[], Measured[], Measured[]] = [[], [], []];
  for (let r = 1; r <= hookRounds; r++) {
    const suffix = hookRounds > 1 ? ` #${r}` : '';
    rounds[0].push(await run(`API POST /hooks/:id${suffix}`, `${api.baseUrl}${path}`, headers, body));
    rounds[1].push(await run(`raw node:http + HMAC + XADD${suffix}`, `${raw.baseUrl}${path}`, headers, body));
    rounds[2].push(await run(`bare NestJS + HMAC + XADD${suffix}`, `${bare.baseUrl}${path}`, headers, body));
  }
  const [a, b, n] = rounds.map(median);
  const ratioOf = (x: Measured, y: Measured) =>
    isClean(x) && isClean(y) && y.requestsPerSec > 0
      ? Math.round((x.requestsPerSec / y.requestsPerSec) * 100) / 100
      : undefined;
  const ratio = ratioOf(a, b);
  const tool = loadToolLabel({ durationSec, connections });
  const label = hookRounds > 1 ? `${tool}, median of ${hookRounds} alternated rounds` : tool;
  return [
    {
      bench: `\`POST /hooks/:id\` verify and enqueue vs raw node:http + HMAC + Redis XADD (${label})`,
      api: figure(a),
      baseline: `${figure(b)} (raw node:http + HMAC + XADD)`,
      ratio,
      target: '≥ 0.5',
      met: ratio !== undefined && ratio >= 0.5,
    },
    {
      bench: `the framework's floor: bare NestJS (HMAC + XADD, nothing else) vs the same raw node:http (${label})`,
      api: `${figure(n)} (bare NestJS + HMAC + XADD)`,
      baseline: `${figure(b)} (raw node:http + HMAC + XADD)`,
      ratio: ratioOf(n, b),
    },
  ];
}

/** Waits until `want` runs exist that were created at or after `since`; returns the last one's creation time. */
async function waitForRuns(db: Client, since: Date, want: number, timeoutMs: number): Promise<Date> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await db.query<{ n: string; last: Date | null }>(
      `SELECT count(*) AS n, max(created_at) AS last FROM task_runs WHERE created_at >= $1`,
      [since],
    );
    if (Number(r.rows[0].n) >= want) {
      return r.rows[0].last!;
    }
    if (Date.now() > deadline) {
      throw new Error(`only ${r.rows[0].n} of ${want} runs after ${timeoutMs} ms`);
    }
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function cronBench(api: BenchProcess, token: string): Promise<SummaryRow[]> {
  // every task fires at second 0 and 30 of each minute; created between two ticks
  const cron = '0,30 * * * * *';
  const untilTick = () => 30_000 - (Date.now() % 30_000);
  if (untilTick() < 20_000) {
    await new Promise((r) => setTimeout(r, untilTick() + 200));
  }
  const stamp = Date.now().toString(36);
  const created: string[] = [];
  const started = Date.now();
  for (let i = 0; i < cronTasks; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, cronTasks - i) }, (_, j) =>
        call(api.baseUrl, 'POST', '/api/v1/tasks', token, {
          name: `bench-cron-${stamp}-${i + j}`,
          agent: 'default',
          trigger: { kind: 'schedule', cron },
          input_template: { instruction: 'Scheduled check {{ trigger.fired_at }}' },
        }),
      ),
    );
    created.push(...batch.map((t) => t.id as string));
  }
  process.stdout.write(`created ${created.length} scheduled tasks in ${Date.now() - started} ms\n`);
  const wait = untilTick();
  const tick = new Date(Date.now() + wait);
  process.stdout.write(`waiting ${wait} ms for the tick at ${tick.toISOString()}\n`);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const last = await waitForRuns(db, tick, created.length, wait + 120_000);
    const apiMs = last.getTime() - tick.getTime();
    // baseline: the same rows written raw in one statement, plus one XADD per run (pipelined)
    await db.query(`CREATE TEMP TABLE raw_runs (LIKE task_runs INCLUDING DEFAULTS)`);
    const redis = new Redis(redisUrl);
    const rawStart = process.hrtime.bigint();
    const ids = created.map((_, i) => `run_raw${String(i).padStart(25, '0')}`);
    await db.query(
      `INSERT INTO raw_runs (id, org_id, task_id, status, trigger, input, created_at)
       SELECT r.id, t.org_id, t.id, 'pending', jsonb_build_object('kind', 'schedule', 'fired_at', now()), '{}'::jsonb, now()
       FROM unnest($1::text[], $2::text[]) AS r(id, task_id) JOIN tasks t ON t.id = r.task_id`,
      [ids, created],
    );
    const pipe = redis.pipeline();
    for (const id of ids) {
      pipe.xadd(`${redisPrefix}bench:raw-runs`, '*', 'run', id);
    }
    await pipe.exec();
    const rawMs = Number(process.hrtime.bigint() - rawStart) / 1e6;
    redis.disconnect();
    process.stdout.write(`cron fan-out: API ${apiMs} ms for ${created.length} runs, raw ${rawMs.toFixed(1)} ms\n`);
    return [
      {
        bench: `one cron tick with ${created.length} due tasks: tick → last pending run row (BullMQ job schedulers)`,
        api: `${apiMs} ms (${((apiMs * 1000) / created.length).toFixed(0)} µs per task)`,
        baseline: `${rawMs.toFixed(1)} ms (raw: one multi-row INSERT + pipelined XADD per run)`,
        ratio: apiMs > 0 ? Math.round((rawMs / apiMs) * 100) / 100 : undefined,
      },
    ];
  } finally {
    await db.end();
  }
}

async function main() {
  process.stdout.write(`load tool: ${loadTool()}, warm-up ${warmupSec} s before each load\n`);
  await freshDatabase(dbName);
  await flushPrefix();
  const procs: BenchProcess[] = [];
  const apiEnv = (extra: Record<string, string>) => ({
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: redisPrefix,
    RATE_LIMIT_PER_MIN: '1000000000',
    HOOK_RATE_LIMIT_PER_MIN: '1000000000',
    LOGIN_RATE_LIMIT_PER_MIN: '100000',
    AUTH_ANON_RATE_LIMIT_PER_MIN: '100000',
    ...extra,
  });
  const login = async (api: BenchProcess) =>
    (await call(api.baseUrl, 'POST', '/api/v1/auth/login', undefined, { email: 'admin@localhost', password: 'admin' }))
      .token as string;
  try {
    // hooks: no run consumer in this process (the runs stay queued: the agent loop is not what is measured)
    const hooksApi = await startProcess(
      'api-automation-hooks',
      'src/main.ts',
      apiEnv({ TASK_RUN_IN_API: 'false', HOOK_INBOX_CONSUMER: 'false' }),
    );
    procs.push(hooksApi);
    const rows: SummaryRow[] = await hooksBench(hooksApi, await login(hooksApi), procs);
    for (const p of procs.splice(0).reverse()) {
      await p.stop();
    }
    await flushPrefix();
    if (cronTasks > 0) {
      // cron: ticks and runs consumed by the API, one run slot (a single-process install)
      const cronApi = await startProcess(
        'api-automation-cron',
        'src/main.ts',
        apiEnv({ TASK_CONCURRENCY: '1', TASK_CRON_SECONDS: 'true' }),
      );
      procs.push(cronApi);
      rows.push(...(await cronBench(cronApi, await login(cronApi))));
    }
    for (const r of rows) {
      process.stdout.write(`${r.bench}: ${r.api} | ${r.baseline} | ratio ${r.ratio ?? 'n/a'}\n`);
    }
    recordResults('automation', rows);
    process.stdout.write(`API logs: bench/logs/api-automation-*.log\n`);
  } finally {
    for (const p of procs.reverse()) {
      await p.stop();
    }
    await flushPrefix();
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
