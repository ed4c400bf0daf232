/**
 * Policy engine bench (issue 12): the median time evaluation adds to a request.
 *   in process — one decision of the starter bundles (Cedar, pre-parsed set) on the input of
 *                `GET /users` and of a tool call, vs the same call on an org without rules (no-op);
 *   over HTTP  — `GET /users` median latency for an org with features.policies on (starter bundles
 *                seeded, every decision audited) vs an org of the same process with the feature
 *                switched off by its override; the two are measured alternately, twice each.
 * Target: ≤ 0.2 ms added at the median. The API runs on its own database (agentcy_bench_policies,
 * re-created) and Redis prefix. Knobs: BENCH_DURATION_SEC (10), BENCH_POLICY_CONNECTIONS (4),
 * BENCH_WARMUP_SEC (2), BENCH_POLICY_ITERATIONS (20000).
 * Usage: npm run bench (BENCHES=policies), or:
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/policies.ts
 */
import { httpInput, toolInput } from '@libs/policy/inputs';
import type { PolicyInput } from '@libs/policy/policy-input';
import { CompiledPolicySet } from '@libs/policy/policy-set';
import { STARTER_POLICIES } from '@libs/policy/starters';
import { call, databaseUrlOf, freshDatabase } from './bench-db';
import { recordResults, type SummaryRow } from './lib';
import { startProcess, type BenchProcess } from './processes';
import { isClean, loadTool, loadToolLabel, measureWarm, type Measured } from './wrk';

const durationSec = Number(process.env.BENCH_DURATION_SEC ?? 10);
const connections = Number(process.env.BENCH_POLICY_CONNECTIONS ?? 4);
const warmupSec = Number(process.env.BENCH_WARMUP_SEC ?? 2);
const iterations = Number(process.env.BENCH_POLICY_ITERATIONS ?? 20_000);
const dbName = 'agentcy_bench_policies';
const databaseUrl = databaseUrlOf(dbName);
const TARGET_MS = 0.2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median µs per call of `fn` (batches of 100 calls, median over the batches). */
function timeCalls(fn: () => unknown): number {
  const batch = 100;
  for (let i = 0; i < 2000; i++) {
    fn();
  }
  const samples: number[] = [];
  for (let b = 0; b < iterations / batch; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) {
      fn();
    }
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  return median(samples);
}

function inProcess(): SummaryRow[] {
  const starters = new CompiledPolicySet(
    'bench-starters',
    STARTER_POLICIES.map((s, i) => ({ id: `pol_${i}`, name: s.name, source: s.source })),
  );
  const none = new CompiledPolicySet('bench-none', []);
  const principal = {
    kind: 'user' as const,
    userId: 'usr_bench',
    orgId: 'org_bench',
    role: 'member' as const,
    email: 'bench@example.test',
    platformAdmin: false,
    authProvider: 'local' as const,
  };
  const http = (): PolicyInput =>
    httpInput(principal, 'user.list', {
      method: 'GET',
      path: '/users',
      params: {},
      ip: '127.0.0.1',
      requestId: 'req_1',
    });
  const tool = (): PolicyInput =>
    toolInput({
      orgId: 'org_bench',
      caller: { userId: 'usr_bench', email: 'bench@example.test', role: 'member' },
      tool: {
        qualifiedName: 'kubernetes.delete_pod',
        connector: 'kubernetes',
        sourceName: 'prod',
        effect: 'destructive',
        requiresApproval: true,
      },
      approvalDefaults: { read: 'allow', write: 'approve', destructive: 'approve' },
      agent: null,
      entry: 'chat',
    });
  const rows: SummaryRow[] = [];
  for (const [label, input, opts] of [
    ['`GET /users` decision (allow)', http, { withApproval: false }],
    ['tool-call decision (member, destructive tool)', tool, { withApproval: true }],
  ] as const) {
    const on = timeCalls(() => starters.evaluate(input(), opts));
    const off = timeCalls(() => none.evaluate(input(), opts));
    const added = (on - off) / 1000;
    process.stdout.write(`${label}: starters ${on.toFixed(1)} µs, no rules ${off.toFixed(1)} µs\n`);
    rows.push({
      bench: `policy evaluation in process, ${label}: starter bundles vs no rules (median of ${iterations} calls)`,
      api: `${on.toFixed(1)} µs per decision`,
      baseline: `${off.toFixed(1)} µs (same input, org without rules)`,
      target: `≤ ${TARGET_MS} ms added`,
      met: added <= TARGET_MS,
    });
  }
  return rows;
}

function run(name: string, url: string, token: string): Promise<Measured> {
  const headers = { authorization: `Bearer ${token}` };
  return measureWarm(name, url, { durationSec, connections, headers, warmupSec });
}

async function overHttp(api: BenchProcess): Promise<SummaryRow> {
  const stamp = Date.now().toString(36);
  const reg = async (name: string) =>
    (
      await call(api.baseUrl, 'POST', '/api/v1/auth/register', undefined, {
        email: `${name}-${stamp}@example.test`,
        password: 'password-123',
        org_name: `${name}-${stamp}`,
      })
    ).token as string;
  const onToken = await reg('bench-policies-on');
  const offToken = await reg('bench-policies-off');
  await call(api.baseUrl, 'PATCH', '/api/v1/settings/features', offToken, { policies: false });
  const seeded = await call(api.baseUrl, 'GET', '/api/v1/policies', onToken);
  process.stdout.write(`org with policies: ${seeded.total} starter policies\n`);
  const url = `${api.baseUrl}/api/v1/users`;
  const on: Measured[] = [];
  const off: Measured[] = [];
  for (let i = 0; i < 2; i++) {
    off.push(await run('GET /users, policies off', url, offToken));
    on.push(await run('GET /users, policies on', url, onToken));
  }
  const p50On = median(on.map((m) => m.latencyP50Ms));
  const p50Off = median(off.map((m) => m.latencyP50Ms));
  const rate = (ms: Measured[]) => Math.round(ms.reduce((s, m) => s + m.requestsPerSec, 0) / ms.length);
  const valid = [...on, ...off].every(isClean);
  const added = Math.round((p50On - p50Off) * 1000) / 1000;
  return {
    bench: `\`GET /users\` with features.policies on (starter bundles, decisions audited) vs off for the org (${loadToolLabel({ durationSec, connections })}, twice each)`,
    api: valid ? `p50 ${p50On} ms, ${rate(on)} req/s (added ${added} ms)` : 'INVALID: non-2xx or socket errors',
    baseline: `p50 ${p50Off} ms, ${rate(off)} req/s (policies off by the org's override)`,
    ratio: valid && rate(off) > 0 ? Math.round((rate(on) / rate(off)) * 100) / 100 : undefined,
    target: `≤ ${TARGET_MS} ms added at the median`,
    met: valid && added <= TARGET_MS,
  };
}

async function main() {
  process.stdout.write(`load tool: ${loadTool()}, warm-up ${warmupSec} s before each load\n`);
  const rows = inProcess();
  await freshDatabase(dbName);
  const api = await startProcess('api-policies', 'src/main.ts', {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: 'agentcy-bench-policies:',
    AGENTCY_FEATURES_POLICIES: 'true',
    RATE_LIMIT_PER_MIN: '1000000000',
    LOGIN_RATE_LIMIT_PER_MIN: '100000',
    AUTH_ANON_RATE_LIMIT_PER_MIN: '100000',
    REGISTRATION: 'open',
  });
  try {
    rows.push(await overHttp(api));
    for (const r of rows) {
      process.stdout.write(`${r.bench}: ${r.api} | ${r.baseline} | met ${r.met}\n`);
    }
    recordResults('policies', rows);
    process.stdout.write(`API log: ${api.logFile}\n`);
  } finally {
    await api.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
