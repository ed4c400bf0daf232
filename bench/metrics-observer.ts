/**
 * Per-request cost of the HTTP metrics observer (libs/metrics HttpMetrics.onFinish), next to a
 * raw baseline in the same run (a no-op observer over the same requests) and to the same observer
 * built on prom-client's own cached label children (Counter + Histogram `.labels()`). Not part of the default
 * BENCHES; run with `BENCHES=metrics-observer bash bench/run.sh` or directly:
 * `node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/metrics-observer.ts`.
 */
import {
  HttpMetrics,
  MetricsRegistry,
  routeTemplate,
  type ObservedRequest,
  type ObservedResponse,
} from '@libs/metrics';
import { Counter, Histogram, Registry } from 'prom-client';

const N = Number(process.env.BENCH_OBSERVER_ITERATIONS ?? 2_000_000);
const ROUNDS = 5;

// 40 route templates × 3 methods × 4 statuses, plus unmatched: a realistic label spread
const reqs: ObservedRequest[] = [];
for (let r = 0; r < 40; r++) {
  for (const method of ['GET', 'POST', 'PATCH']) {
    reqs.push({ method, baseUrl: '', route: { path: `/api/v1/group${r}/:id/things` } });
  }
}
reqs.push({ method: 'GET' });
const statuses: ObservedResponse[] = [200, 201, 404, 500].map((statusCode) => ({ statusCode }));

function run(observe: (req: ObservedRequest, res: ObservedResponse, s: number) => void): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    observe(reqs[i % reqs.length], statuses[i & 3], (i % 1000) / 10_000);
  }
  return Number(process.hrtime.bigint() - started) / N;
}

let sink = 0;
const noop = (_req: ObservedRequest, res: ObservedResponse, s: number) => {
  sink += res.statusCode + s;
};
const http = new HttpMetrics(new MetricsRegistry());

/** The same observer on prom-client children, cached per label set. */
function promClientObserver() {
  const registers = [new Registry()];
  const labelNames = ['method', 'route', 'status'];
  const counter = new Counter({ name: 'c_total', help: 'c', labelNames, registers });
  const histogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames, registers });
  const cache = new Map<string, { c: Counter.Internal; h: Histogram.Internal<string> }>();
  return (req: ObservedRequest, res: ObservedResponse, s: number) => {
    const route = routeTemplate(req);
    const key = `${req.method}|${route}|${res.statusCode}`;
    let child = cache.get(key);
    if (!child) {
      const labels = { method: req.method, route, status: String(res.statusCode) };
      child = { c: counter.labels(labels), h: histogram.labels(labels) };
      cache.set(key, child);
    }
    child.c.inc();
    child.h.observe(s);
  };
}
const promClient = promClientObserver();

// warm-up: creates every label child
run(http.onFinish);
run(promClient);
run(noop);
const rows: { round: number; baselineNs: number; observerNs: number; promClientChildrenNs: number }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  rows.push({
    round,
    baselineNs: +run(noop).toFixed(1),
    observerNs: +run(http.onFinish).toFixed(1),
    promClientChildrenNs: +run(promClient).toFixed(1),
  });
}
console.table(rows);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(rows.map((r) => r.baselineNs));
const obs = median(rows.map((r) => r.observerNs));
const pc = median(rows.map((r) => r.promClientChildrenNs));
console.log(
  `metrics observer: median ${obs} ns/request; prom-client children ${pc} ns (${(pc / obs).toFixed(1)}x); no-op baseline ${base} ns; ${reqs.length * statuses.length} label sets, ${N} requests/round [${sink > 0 ? 'ok' : ''}]`,
);
